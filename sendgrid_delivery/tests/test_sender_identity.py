"""Sender addresses: bound document types, default sender, own server."""

from nordic_crm_fakes.smtp import FakeSMTPServer

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import real_smtp_sending


class SenderIdentityCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Identity = cls.env["sendgrid.sender.identity"]
        cls.partner = cls.env["res.partner"].create(
            {"name": "Kunde", "email": "kunde@klant.example"}
        )
        cls.own_server = cls.env["ir.mail_server"].create(
            {"name": "Booking relay", "smtp_host": "127.0.0.1", "smtp_port": 2525}
        )
        cls.booking = Identity.create(
            {
                "name": "Nordlys Booking",
                "email": "booking@sg-test.example",
                "reply_to": "svar@sg-test.example",
                "model_ids": [
                    Command.set([cls.env["ir.model"]._get_id("res.partner")])
                ],
                "mail_server_id": cls.own_server.id,
            }
        )
        cls.default = Identity.create(
            {"name": "Nordlys ApS", "email": "info@sg-test.example", "is_default": True}
        )
        cls.env.company.email = "generic@sg-test.example"

    def _mail(self, **values):
        return self.env["mail.mail"].create(
            dict({"subject": "x", "body_html": "<p>x</p>"}, **values)
        )


@tagged("post_install", "-at_install")
class TestSenderIdentity(SenderIdentityCase):
    def test_bound_document_type_fixes_sender_reply_to_and_server(self):
        mail = self._mail(model="res.partner", res_id=self.partner.id)
        self.assertEqual(mail.email_from, '"Nordlys Booking" <booking@sg-test.example>')
        self.assertEqual(mail.reply_to, "svar@sg-test.example")
        self.assertEqual(mail.mail_server_id, self.own_server)

    def test_default_replaces_generic_sender_only(self):
        generic = self._mail(email_from="generic@sg-test.example")
        self.assertEqual(generic.email_from, '"Nordlys ApS" <info@sg-test.example>')
        self.assertFalse(generic.mail_server_id, "default identity sends via SendGrid")
        personal = self._mail(email_from="sofie@sg-test.example")
        self.assertEqual(personal.email_from, "sofie@sg-test.example")

    def test_context_keeps_sender(self):
        mail = (
            self.env["mail.mail"]
            .with_context(sendgrid_keep_sender=True)
            .create({"model": "res.partner", "res_id": self.partner.id, "subject": "x"})
        )
        self.assertNotIn("booking@", mail.email_from or "")

    def test_single_default_and_valid_addresses(self):
        with self.assertRaises(ValidationError):
            self.env["sendgrid.sender.identity"].create(
                {
                    "name": "Second",
                    "email": "second@sg-test.example",
                    "is_default": True,
                }
            )
        with self.assertRaises(ValidationError):
            self.env["sendgrid.sender.identity"].create(
                {"name": "Broken", "email": "not-an-address"}
            )


@tagged("post_install", "-at_install")
class TestDocumentsFromDefaultSender(SenderIdentityCase):
    """Company setting: the default identity replaces users' own addresses too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env,
            login="seller.sg",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
            name="Sofie Sælger",
            email="sofie@sg-test.example",
        )
        cls.smtp = FakeSMTPServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.env["ir.mail_server"].create(
            {
                "name": "loopback",
                "smtp_host": cls.smtp.host,
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
                "sequence": 1,
            }
        )
        cls.document = cls.env["mailing.mailing"].create(
            {"subject": "Tilbud", "body_html": "<p>x</p>"}
        )

    def switch(self, on):
        settings = self.env["res.config.settings"].create(
            {"sendgrid_documents_from_default": on}
        )
        settings.execute()
        self.assertEqual(self.env.company.sendgrid_documents_from_default, on)

    def test_users_own_address_stays_without_the_setting(self):
        self.switch(False)
        mail = self._mail(email_from=self.seller.email_formatted)
        self.assertEqual(mail.email_from, self.seller.email_formatted)

    def test_users_own_address_replaced_with_the_setting(self):
        self.switch(True)
        mail = self._mail(email_from=self.seller.email_formatted)
        self.assertEqual(mail.email_from, '"Nordlys ApS" <info@sg-test.example>')
        # an address that is no user's (a forwarded customer mail) is kept
        other = self._mail(email_from="kunde@klant.example")
        self.assertEqual(other.email_from, "kunde@klant.example")

    def test_bound_document_type_still_wins(self):
        self.switch(True)
        mail = self._mail(
            model="res.partner",
            res_id=self.partner.id,
            email_from=self.seller.email_formatted,
        )
        self.assertEqual(mail.email_from, '"Nordlys Booking" <booking@sg-test.example>')

    def test_message_posted_by_user_leaves_from_default_on_the_wire(self):
        self.switch(True)
        self.smtp.clear()
        message = (
            self.document.with_user(self.seller)
            .with_context(mail_notify_force_send=False)
            .message_post(
                body="<p>Her er tilbuddet.</p>",
                partner_ids=self.partner.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        )
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        self.assertEqual(mails.email_from, '"Nordlys ApS" <info@sg-test.example>')
        with real_smtp_sending():
            mails.send(raise_exception=True)
        received = self.smtp.messages_to("kunde@klant.example")
        self.assertEqual(len(received), 1)
        self.assertIn("info@sg-test.example", str(received[0].message["From"]))
        self.assertNotIn("sofie@", str(received[0].message["From"]))
