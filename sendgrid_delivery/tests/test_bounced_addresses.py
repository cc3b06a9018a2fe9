"""Bounced addresses: the composer warns; an administrator can block sending (issue 15).

Mail really leaves through an SMTP server on loopback, so "not sent" means
the server received nothing.
"""

from datetime import datetime

from nordic_crm_fakes.smtp import FakeSMTPServer

from odoo.tests import tagged

from .common import SendgridCommon, real_smtp_sending

BOUNCE_REASON = "550 5.1.1 The email account does not exist"


@tagged("post_install", "-at_install")
class TestBouncedAddresses(SendgridCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = FakeSMTPServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.server = cls.env["ir.mail_server"].create(
            {
                "name": "loopback",
                "smtp_host": cls.smtp.host,
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
            }
        )
        cls.partner._sendgrid_mark_email_invalid(
            {
                cls.partner.email_normalized: (
                    BOUNCE_REASON,
                    datetime(2026, 11, 3, 9, 30),
                )
            }
        )
        cls.env.user.email = "sofie.sender@nordlys.example"

    def setUp(self):
        super().setUp()
        self.smtp.clear()

    def block(self, on=True):
        settings = self.env["res.config.settings"].create(
            {"sendgrid_block_invalid_emails": on}
        )
        settings.execute()

    def post_and_send(self, record, partners, subject="Tilbud S00042"):
        message = record.with_context(mail_notify_force_send=False).message_post(
            body="<p>Her er jeres tilbud.</p>",
            subject=subject,
            partner_ids=partners.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        with real_smtp_sending():
            mails.send()
        return message, mails

    def received_by(self):
        return sorted(
            rcpt for message in self.smtp.messages for rcpt in message.rcpt_tos
        )

    def test_composer_and_contact_warn_about_the_bounce(self):
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_model="res.partner",
                default_res_ids=self.partner_nl.ids,
                default_composition_mode="comment",
            )
            .create(
                {
                    "body": "<p>Hej</p>",
                    "partner_ids": [(6, 0, (self.partner | self.partner_nl).ids)],
                }
            )
        )
        warning = composer.sendgrid_bounce_warning
        self.assertIn("anne@kunde.example", warning)
        self.assertIn("This address bounced on", warning)
        self.assertIn("11/03/2026", warning)
        self.assertIn(BOUNCE_REASON, warning)
        self.assertNotIn("bram@", warning)
        self.assertNotIn("blocked", warning)
        self.assertIn(BOUNCE_REASON, self.partner.sendgrid_bounce_warning)
        self.assertFalse(self.partner_nl.sendgrid_bounce_warning)
        # a composer without bounced recipients shows nothing
        composer.partner_ids = self.partner_nl
        self.assertFalse(composer.sendgrid_bounce_warning)
        # with blocking on, the warning says the message will not reach them
        self.block()
        composer.partner_ids = self.partner
        self.assertIn("blocked", composer.sendgrid_bounce_warning)

    def test_without_blocking_the_bounced_address_still_gets_mail(self):
        message, _mails = self.post_and_send(self.partner_nl, self.partner)
        self.assertEqual(self.received_by(), ["anne@kunde.example"])
        notification = message.notification_ids.filtered(
            lambda n: n.res_partner_id == self.partner
        )
        self.assertEqual(notification.notification_status, "sent")

    def test_blocking_holds_the_bounced_recipient_and_sends_the_others(self):
        self.block()
        message, _mails = self.post_and_send(
            self.partner_nl, self.partner | self.partner_nl
        )
        self.assertEqual(self.received_by(), ["bram@klant.example"])
        held = message.notification_ids.filtered(
            lambda n: n.res_partner_id == self.partner
        )
        self.assertEqual(held.notification_status, "exception")
        self.assertEqual(held.failure_type, "mail_email_invalid")
        self.assertIn(BOUNCE_REASON, held.failure_reason)
        self.assertIn("blocked", held.failure_reason)
        sent = message.notification_ids.filtered(
            lambda n: n.res_partner_id == self.partner_nl
        )
        self.assertEqual(sent.notification_status, "sent")

    def test_blocking_fails_a_mail_with_only_bounced_recipients(self):
        self.block()
        message, mails = self.post_and_send(self.partner_nl, self.partner)
        self.assertEqual(self.received_by(), [])
        self.assertTrue(
            mails.exists(), "the failed mail stays visible, with its reason"
        )
        self.assertEqual(mails.state, "exception")
        self.assertEqual(mails.failure_type, "mail_email_invalid")
        self.assertIn("anne@kunde.example", mails.failure_reason)
        self.assertIn(BOUNCE_REASON, mails.failure_reason)
        notification = message.notification_ids.filtered(
            lambda n: n.res_partner_id == self.partner
        )
        self.assertEqual(notification.notification_status, "exception")

    def test_blocking_covers_plain_addresses_of_outgoing_mail(self):
        """Mail to raw addresses (email_to / email_cc), e.g. a template's."""
        self.block()
        to_bounced = self.env["mail.mail"].create(
            {
                "subject": "Faktura INV/2026/0042",
                "body_html": "<p>Faktura</p>",
                "email_to": "Anne <anne@kunde.example>",
                "mail_server_id": self.server.id,
            }
        )
        mixed = self.env["mail.mail"].create(
            {
                "subject": "Faktura INV/2026/0043",
                "body_html": "<p>Faktura</p>",
                "email_to": "anne@kunde.example, bram@klant.example",
                "mail_server_id": self.server.id,
            }
        )
        with real_smtp_sending():
            (to_bounced | mixed).send()
        self.assertEqual(to_bounced.state, "exception")
        self.assertIn(BOUNCE_REASON, to_bounced.failure_reason)
        self.assertEqual(self.received_by(), ["bram@klant.example"])

    def test_a_new_address_lifts_the_block(self):
        self.block()
        self.partner.email = "anne.ny@kunde.example"
        self.post_and_send(self.partner_nl, self.partner)
        self.assertEqual(self.received_by(), ["anne.ny@kunde.example"])

    def test_blocking_is_an_administrator_setting(self):
        self.block()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "sendgrid_delivery.block_invalid_emails"
            ),
            "True",
        )
        self.block(False)
        self.assertFalse(self.env["mail.mail"]._sendgrid_blocks_invalid_emails())

    def test_warning_speaks_danish_and_dutch(self):
        for lang, words in (("da_DK", "blev afvist den"), ("nl_NL", "is gebounced op")):
            self.env["res.lang"]._activate_lang(lang)
            self.env["ir.module.module"]._load_module_terms(
                ["sendgrid_delivery"], [lang], overwrite=True
            )
            partner = self.partner.with_context(lang=lang)
            self.assertIn(words, partner.sendgrid_bounce_warning)
            self.assertIn(BOUNCE_REASON, partner.sendgrid_bounce_warning)
