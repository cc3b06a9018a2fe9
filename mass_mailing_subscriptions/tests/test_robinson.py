from odoo import Command
from odoo.tests import tagged, users

from .common import SubscriptionsCase


@tagged("mass_mailing_subscriptions")
class TestRobinsonMailing(SubscriptionsCase):
    """A contact protected from marketing (Robinson) is never mailed
    marketing, even with consent and the type: the trace says why."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p_offers.is_marketing_protected = True

    def _send(self, mailing):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        return self._new_mails

    @users("user_marketing")
    def test_marked_contact_is_cancelled_with_the_reason(self):
        recipients = self.p_offers | self.p_newsletter | self.p_withdrawn
        mailing = self._create_partner_mailing(partners=recipients)
        self.assertEqual(mailing.consent_recipient_count, 1)  # Niels only
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").res_id, self.p_newsletter.id
        )
        trace = self._trace_of(mailing, self.p_offers.id)
        self.assertEqual(trace.trace_status, "cancel")
        self.assertEqual(trace.failure_type, "mail_marketing_protected")
        self.assertEqual(
            trace.failure_reason, "Olga Offers is protected from marketing (Robinson)"
        )
        # A withdrawal keeps its own reason.
        self.assertEqual(
            self._trace_of(mailing, self.p_withdrawn.id).failure_type,
            "mail_no_consent",
        )
        mailing.invalidate_recordset()
        self.assertEqual(mailing.consent_excluded_count, 2)

    @users("user_marketing")
    def test_mailing_with_a_type_names_the_mark_not_the_type(self):
        mailing = self._create_partner_mailing(self.type_offers, partners=self.p_offers)
        self._send(mailing)
        trace = self._trace_of(mailing, self.p_offers.id)
        self.assertEqual(trace.failure_type, "mail_marketing_protected")

    @users("user_marketing")
    def test_list_entry_with_the_address_of_a_marked_contact(self):
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Fair visitors",
                "contact_ids": [
                    Command.create({"name": "O.", "email": "OLGA@example.com"}),
                    Command.create({"name": "Niels", "email": "niels@example.com"}),
                ],
            }
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "List mailing",
                "subject": "Offers",
                "body_html": "<p>Hi</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [Command.link(mailing_list.id)],
            }
        )
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").mapped("email_to"),
            ["niels@example.com"],
        )
        [trace] = self._traces(mailing).filtered(lambda t: t.trace_status == "cancel")
        self.assertEqual(trace.email, "olga@example.com")
        self.assertEqual(trace.failure_type, "mail_marketing_protected")
        self.assertIn("Olga Offers", trace.failure_reason)

    def test_switch_off_stays_core_behaviour(self):
        """With the privacy switch off the suite enforces nothing: as Odoo."""
        self._set_privacy(False)
        mailing = self._create_partner_mailing(partners=self.p_offers)
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").res_id, self.p_offers.id
        )

    def test_unmarked_contact_is_mailed_again(self):
        self.p_offers.sudo().is_marketing_protected = False
        mailing = self._create_partner_mailing(partners=self.p_offers)
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").res_id, self.p_offers.id
        )
