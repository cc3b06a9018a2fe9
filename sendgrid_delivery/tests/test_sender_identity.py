"""Sender addresses: bound document types, default sender, own server."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSenderIdentity(TransactionCase):
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
