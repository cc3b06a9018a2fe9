from odoo import Command
from odoo.tests import tagged, users

from .common import SubscriptionsCase


@tagged("mass_mailing_subscriptions")
class TestSharedAddress(SubscriptionsCase):
    """A withdrawal speaks for the e-mail address, not only for one contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Same address as Walter Withdrawn, with consent and the type.
        cls.p_twin = cls.env["res.partner"].create(
            {
                "name": "Wally at Work",
                "email": "Walter <WALTER@example.com>",
                "subscription_type_ids": [Command.set(cls.type_offers.ids)],
            }
        )
        cls.p_twin._consent_grant("emarketing", source="manual")
        cls.p_blocked = cls.env["res.partner"].create(
            {
                "name": "Bo Blocked",
                "email": "bo@example.com",
                "subscription_type_ids": [Command.set(cls.type_offers.ids)],
            }
        )
        cls.p_blocked._consent_grant("emarketing", source="manual")
        cls.env["mail.blacklist"].sudo()._add("bo@example.com")

    def _send(self, mailing):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        return self._new_mails

    @users("user_marketing")
    def test_contact_sharing_a_withdrawn_address_is_left_out(self):
        recipients = self.p_offers | self.p_twin | self.p_withdrawn | self.p_blocked
        mailing = self._create_partner_mailing(self.type_offers, partners=recipients)
        self.assertEqual(mailing.consent_recipient_count, 2)  # Olga, Bo (core: bl)
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").res_id, self.p_offers.id
        )
        twin = self._trace_of(mailing, self.p_twin.id)
        self.assertEqual(twin.trace_status, "cancel")
        self.assertEqual(twin.failure_type, "mail_address_withdrawn")
        self.assertEqual(
            twin.failure_reason,
            "Walter Withdrawn, another contact with this e-mail address, "
            "withdrew from e-marketing",
        )
        # Walter's own withdrawal stays his own reason.
        own = self._trace_of(mailing, self.p_withdrawn.id)
        self.assertEqual(own.failure_type, "mail_no_consent")
        # A blocklisted address: Odoo's own exclusion, its own reason.
        blocked = self._trace_of(mailing, self.p_blocked.id)
        self.assertEqual(blocked.trace_status, "cancel")
        self.assertEqual(blocked.failure_type, "mail_bl")
        mailing.invalidate_recordset()
        self.assertEqual(mailing.consent_excluded_count, 2)

    @users("user_marketing")
    def test_list_contact_with_a_withdrawn_address_names_the_contact(self):
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Fair visitors",
                "contact_ids": [
                    Command.create({"name": "W.", "email": "walter@example.com"}),
                    Command.create({"name": "Olga", "email": "olga@example.com"}),
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
                "subscription_type_id": self.type_offers.id,
            }
        )
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").mapped("email_to"),
            ["olga@example.com"],
        )
        [trace] = self._traces(mailing).filtered(lambda t: t.trace_status == "cancel")
        self.assertEqual(trace.email, "walter@example.com")
        self.assertEqual(trace.failure_type, "mail_address_withdrawn")
        self.assertIn("Walter Withdrawn", trace.failure_reason)

    def test_explicit_recipients_through_the_composer(self):
        """Records given explicitly (the list view's mass mail) go through the
        composer's cancelled traces with the same reason."""
        mailing = self._create_partner_mailing(
            self.type_offers, partners=self.p_offers | self.p_twin
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail(res_ids=(self.p_offers | self.p_twin).ids)
        twin = self._trace_of(mailing, self.p_twin.id)
        self.assertEqual(twin.trace_status, "cancel")
        self.assertEqual(twin.failure_type, "mail_address_withdrawn")
        self.assertIn("Walter Withdrawn", twin.failure_reason)

    @users("user_marketing")
    def test_consenting_contact_is_mailed_beside_one_without_record(self):
        """Shared address, one contact without any record (not a withdrawal):
        the consenting one is mailed, not taken for a duplicate of the other."""
        Partner = self.env["res.partner"].sudo()
        nobody = Partner.create({"name": "Aaron Nobody", "email": "shared@example.com"})
        consenting = Partner.create(
            {
                "name": "Zed Consent",
                "email": "shared@example.com",
                "subscription_type_ids": [Command.set(self.type_offers.ids)],
            }
        )
        consenting._consent_grant("emarketing", source="manual")
        mailing = self._create_partner_mailing(
            self.type_offers, partners=nobody | consenting
        )
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").res_id, consenting.id
        )
        self.assertEqual(
            self._trace_of(mailing, nobody.id).failure_type, "mail_no_consent"
        )
