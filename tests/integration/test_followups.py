"""Cross-addon: one follow-up activity per event for the salesperson.

With sendgrid_delivery and mass_mailing_subscriptions both installed, a spam
report withdraws E-marketing consent (which makes mass_mailing_subscriptions
plan its generic "opted out — call?" activity) and SendGrid plans its own spam
activity. The salesperson gets SendGrid's, which says what happened, only.
"""

from odoo.addons.sendgrid_delivery.tests.common import SendgridCommon


class TestOneFollowUpPerEvent(SendgridCommon):
    def activities(self):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.partner.id)]
        )

    def test_spam_report_gives_one_activity(self):
        self.assertFalse(self.activities())
        self.receive([self.event("spamreport")])
        self.assertEqual(self.partner.emarketing_state, "withdrawn")
        activity = self.activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("sendgrid_delivery.mail_activity_type_spam_report"),
        )
        self.assertEqual(activity.user_id, self.salesperson)

    def test_unsubscribe_link_still_plans_the_call(self):
        # the contact acted themselves: the generic follow-up is the one
        self.receive([self.event("unsubscribe")])
        activity = self.activities()
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.is_optout_followup)
