from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged, users

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import SubscriptionsCase


@tagged("mass_mailing_subscriptions")
class TestEnforcement(SubscriptionsCase):
    def _send(self, mailing, res_ids=None):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail(res_ids=res_ids)
        return self._new_mails

    @users("user_marketing")
    def test_type_mailing_excludes_with_reasons(self):
        """A mailing of type Offers reaches only contacts with consent that
        chose Offers; everyone else is a cancelled trace with the reason."""
        mailing = self._create_partner_mailing(self.type_offers)
        mails = self._send(mailing)

        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").res_id, self.p_offers.id
        )
        expected = {
            self.p_offers: ("sent", False, False),
            self.p_newsletter: (
                "cancel",
                "mail_not_subscribed",
                "not subscribed to Offers",
            ),
            self.p_no_record: ("cancel", "mail_no_consent", "no e-marketing consent"),
            self.p_withdrawn: ("cancel", "mail_no_consent", "no e-marketing consent"),
        }
        for partner, (status, failure_type, reason) in expected.items():
            trace = self._trace_of(mailing, partner.id)
            self.assertEqual(len(trace), 1, partner.name)
            self.assertEqual(trace.trace_status, status, partner.name)
            self.assertEqual(trace.failure_type, failure_type, partner.name)
            self.assertEqual(trace.failure_reason or False, reason, partner.name)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.canceled, 3)
        self.assertEqual(mailing.consent_excluded_count, 3)
        self.assertEqual(mailing.expected, 4)
        self.assertEqual(mailing.state, "done")

    @users("user_marketing")
    def test_send_now_with_everyone_excluded_closes_the_mailing(self):
        """Odoo's "no recipients" error would roll the reasons back: the
        mailing is closed instead, its statistics telling who was left out."""
        mailing = self._create_partner_mailing(
            self.type_events, partners=self.p_newsletter | self.p_withdrawn
        )
        mails = self._send(mailing)
        self.assertFalse(mails.filtered(lambda m: m.state != "cancel"))
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "done")
        self.assertTrue(mailing.sent_date)
        self.assertEqual(mailing.consent_excluded_count, 2)
        self.assertEqual(
            self._trace_of(mailing, self.p_newsletter.id).failure_type,
            "mail_not_subscribed",
        )

    @users("user_marketing")
    def test_untyped_mailing_needs_consent_only(self):
        mailing = self._create_partner_mailing()
        mails = self._send(mailing)
        self.assertEqual(
            set(mails.filtered(lambda m: m.state != "cancel").mapped("res_id")),
            {self.p_offers.id, self.p_newsletter.id},
        )
        excluded = self._traces(mailing).filtered(lambda t: t.trace_status == "cancel")
        self.assertEqual(
            set(excluded.mapped("res_id")), {self.p_no_record.id, self.p_withdrawn.id}
        )
        self.assertEqual(set(excluded.mapped("failure_type")), {"mail_no_consent"})

    @users("user_marketing")
    def test_switch_off_is_core_behaviour(self):
        """Privacy switch off: every recipient is mailed as Odoo does without
        the addon; the unsubscribe link still opens the preferences page
        (issue 15), Odoo's own page for an address without a contact."""
        self._set_privacy(False)
        mailing = self._create_partner_mailing(self.type_offers)
        mails = self._send(mailing)
        self.assertEqual(set(mails.mapped("res_id")), set(self.partners.ids))
        self.assertFalse(mails.filtered(lambda m: m.state == "cancel"))
        self.assertFalse(
            self._traces(mailing).filtered(
                lambda t: t.failure_type in ("mail_no_consent", "mail_not_subscribed")
            )
        )
        url = mailing._get_unsubscribe_url(self.p_no_record.email, self.p_no_record.id)
        self.assertTrue(url.endswith(self.p_no_record._subscription_preferences_path()))

    def test_bypass_sends_to_everyone(self):
        self.user_marketing.groups_id += self.env.ref(
            "mass_mailing_subscriptions.group_override_consent"
        )
        mailing = self._create_partner_mailing(self.type_offers, bypass_consent=True)
        mails = self._send(mailing.with_user(self.user_marketing))
        self.assertEqual(set(mails.mapped("res_id")), set(self.partners.ids))
        self.assertFalse(mails.filtered(lambda m: m.state == "cancel"))

    def test_bypass_only_for_override_group(self):
        with self.assertRaises(AccessError):
            self._create_partner_mailing(self.type_offers, bypass_consent=True)
        mailing = self._create_partner_mailing(self.type_offers)
        with self.assertRaises(AccessError):
            mailing.with_user(self.user_marketing).write({"bypass_consent": True})
        self.assertFalse(mailing.bypass_consent)
        # Writing other fields, or the unchanged value, is fine.
        mailing.with_user(self.user_marketing).write(
            {"subject": "Changed", "bypass_consent": False}
        )
        self.user_marketing.groups_id += self.env.ref(
            "mass_mailing_subscriptions.group_override_consent"
        )
        mailing.with_user(self.user_marketing).write({"bypass_consent": True})
        self.assertTrue(mailing.bypass_consent)
        self.assertFalse(mailing.copy().bypass_consent)

    @users("user_marketing")
    def test_mailing_list_through_partner_email(self):
        """Mailing-list contacts follow the contact with the same e-mail; an
        address without any contact has no consent."""
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Fair visitors",
                "contact_ids": [
                    Command.create({"name": "Olga", "email": "OLGA@example.com"}),
                    Command.create({"name": "Niels", "email": "niels@example.com"}),
                    Command.create({"name": "Nora", "email": "nora@example.com"}),
                    Command.create(
                        {"name": "Stranger", "email": "stranger@example.com"}
                    ),
                ],
            }
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "List mailing",
                "subject": "Offers for fair visitors",
                "body_html": "<p>Hi</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [Command.link(mailing_list.id)],
                "subscription_type_id": self.type_offers.id,
            }
        )
        mails = self._send(mailing)
        contacts = {c.email_normalized: c for c in mailing_list.contact_ids}
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").mapped("res_id"),
            [contacts["olga@example.com"].id],
        )
        reasons = {
            trace.email: trace.failure_type
            for trace in self._traces(mailing)
            if trace.trace_status == "cancel"
        }
        self.assertEqual(
            reasons,
            {
                "niels@example.com": "mail_not_subscribed",
                "nora@example.com": "mail_no_consent",
                "stranger@example.com": "mail_no_consent",
            },
        )

    @users("user_marketing")
    def test_explicit_recipients_go_through_composer_check(self):
        """Send-outs given explicit records (no recipient computation) are
        checked per composer batch; the mails are cancelled with the reason."""
        mailing = self._create_partner_mailing(self.type_offers)
        mails = self._send(mailing, res_ids=self.partners.ids)
        by_partner = {mail.res_id: mail for mail in mails}
        self.assertEqual(by_partner[self.p_offers.id].state, "sent")
        self.assertEqual(by_partner[self.p_newsletter.id].state, "cancel")
        self.assertEqual(
            by_partner[self.p_newsletter.id].failure_type, "mail_not_subscribed"
        )
        trace = self._trace_of(mailing, self.p_newsletter.id)
        self.assertEqual(trace.trace_status, "cancel")
        self.assertEqual(trace.failure_reason, "not subscribed to Offers")
        self.assertEqual(
            self._trace_of(mailing, self.p_no_record.id).failure_type, "mail_no_consent"
        )

    def test_queue_with_everyone_excluded(self):
        """The mailing cron finishes a mailing whose recipients are all
        excluded, and the exclusions are in its statistics."""
        mailing = self._create_partner_mailing(
            self.type_events, partners=self.p_no_record | self.p_withdrawn
        )
        mailing.action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.env["mailing.mailing"]._process_mass_mailing_queue()
        self.assertEqual(mailing.state, "done")
        self.assertFalse(self._new_mails.filtered(lambda m: m.state != "cancel"))
        mailing.invalidate_recordset()
        self.assertEqual(mailing.canceled, 2)

    def test_exclusion_is_one_query_per_batch(self):
        """The number of queries of the composer's check does not grow with
        the number of recipients."""
        many = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "email": f"bulk{i}@example.com"} for i in range(60)]
        )
        counts = []
        # The first run warms caches (purpose, translations); measure the others.
        for partners in (self.partners, self.partners, self.partners | many):
            mailing = self._create_partner_mailing(self.type_offers, partners=partners)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            excluded = mailing._consent_classify_recipients(partners.ids)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(excluded), len(partners) - 1)
        self.assertEqual(counts[1], counts[2])
        self.assertLessEqual(counts[2], 4)

    @users("user_marketing")
    def test_form_shows_recipients_with_consent(self):
        mailing = self._create_partner_mailing(self.type_offers)
        self.assertEqual(mailing.consent_recipient_count, 1)
        mailing.subscription_type_id = self.type_newsletter
        self.assertEqual(mailing.consent_recipient_count, 2)
        mailing.subscription_type_id = False
        self.assertEqual(mailing.consent_recipient_count, 2)
        self._set_privacy(False)
        mailing.invalidate_recordset(["consent_recipient_count"])
        self.assertEqual(mailing.consent_recipient_count, 0)

    def test_model_linked_by_partner_field(self):
        """A model without an e-mail field of its own follows its partner_id
        (users here, standing for any such document)."""
        user_offers = mail_new_test_user(
            self.env, login="olga_user", email="olga.user@example.com"
        )
        user_offers.partner_id.subscription_type_ids = self.type_offers
        user_offers.partner_id._consent_grant("emarketing", source="manual")
        user_none = mail_new_test_user(
            self.env, login="nils_user", email="nils@example.com"
        )
        mailing = self._create_partner_mailing(self.type_offers)
        mailing.mailing_model_id = self.env["ir.model"]._get_id("res.users")
        self.assertEqual(mailing._consent_recipient_link(), "partner")
        ids = (user_offers | user_none).ids
        self.assertEqual(mailing._consent_kept_recipients(ids), user_offers.ids)
        self.assertEqual(
            mailing._consent_classify_recipients(ids),
            {user_none.id: ("mail_no_consent", "no e-marketing consent")},
        )
