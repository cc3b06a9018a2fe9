"""An opt-out keyword withdraws WhatsApp marketing and is answered with the
account's confirmation, in the contact's language, inside the open window
(issue 17)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import WhatsappCommon

URL = "/whatsapp/webhook"


@tagged("post_install", "-at_install")
class TestWhatsappOptOutConfirmation(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        cls.Message = cls.env["whatsapp.message"]
        cls.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "True"
        )
        for lang in ("da_DK", "nl_NL"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["whatsapp_business"], ["da_DK", "nl_NL"], overwrite=True
        )

    def post(self, payload):
        body, headers = self.signed(payload)
        response = self.url_open(URL, data=body, headers=headers)
        self.assertEqual(response.status_code, 200)

    def confirmation(self, partner):
        return self.Message.search(
            [
                ("partner_id", "=", partner.id),
                ("direction", "=", "outbound"),
                ("message_type", "=", "text"),
            ]
        )

    def test_stop_is_confirmed_in_the_contacts_language(self):
        self.customer.lang = "da_DK"
        self.post(self.inbound_payload("wamid.OPT.1", text="AFMELD"))
        confirmation = self.confirmation(self.customer)
        self.assertEqual(len(confirmation), 1)
        self.assertIn("markedsføringsbeskeder", confirmation.body)
        self.assertEqual(confirmation.state, "outgoing")
        # shown in the conversation as OdooBot's answer, then sent as free text
        post = confirmation.mail_message_id
        self.assertEqual(post.author_id, self.env.ref("base.partner_root"))
        self.assertEqual(post.res_id, confirmation.channel_id.id)
        self.run_queue()
        self.assertEqual(confirmation.state, "sent")
        sent = self.fake.sent[-1]
        self.assertEqual((sent["type"], sent["to"]), ("text", "4520998877"))
        self.assertIn("markedsføringsbeskeder", sent["text"]["body"])
        record = self.env["consent.record"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("purpose_id.code", "=", "whatsapp_marketing"),
            ]
        )
        self.assertEqual(record.state, "withdrawn")

    def test_the_accounts_own_text_translated(self):
        self.account.opt_out_confirmation = "You are unsubscribed. /Nordlys"
        self.account.with_context(
            lang="nl_NL"
        ).opt_out_confirmation = "U bent afgemeld. /Nordlys"
        dutch = self.env["res.partner"].create(
            {"name": "Joost", "mobile": "+31687654321", "lang": "nl_NL"}
        )
        self.post(
            self.inbound_payload("wamid.OPT.2", sender="31687654321", text="stop")
        )
        self.assertEqual(self.confirmation(dutch).body, "U bent afgemeld. /Nordlys")
        english = self.env["res.partner"].create(
            {"name": "John", "mobile": "+4531313131", "lang": "en_US"}
        )
        self.post(self.inbound_payload("wamid.OPT.3", sender="4531313131", text="STOP"))
        self.assertEqual(
            self.confirmation(english).body, "You are unsubscribed. /Nordlys"
        )

    def test_no_confirmation_when_switched_off(self):
        self.account.is_opt_out_confirmed = False
        self.post(self.inbound_payload("wamid.OPT.4", text="STOP"))
        self.assertFalse(self.confirmation(self.customer))

    def test_an_old_message_outside_the_window_is_not_answered(self):
        old = fields.Datetime.now() - timedelta(hours=30)
        self.post(self.inbound_payload("wamid.OPT.5", text="STOP", timestamp=old))
        self.assertFalse(self.confirmation(self.customer))
        # the withdrawal itself still counts
        self.assertFalse(self.customer._consent_may_send("whatsapp_marketing"))

    def test_other_words_are_not_answered(self):
        self.post(self.inbound_payload("wamid.OPT.6", text="Stop ikke, tak"))
        self.assertFalse(self.confirmation(self.customer))

    def test_who_may_change_the_confirmation(self):
        for user in (self.portal, self.employee, self.salesperson, self.agent):
            with self.assertRaises(AccessError, msg=user.login):
                self.account.with_user(user).write(
                    {"opt_out_confirmation": "Klik her: https://evil.example"}
                )
        self.account.with_user(self.wa_manager).opt_out_confirmation = "Afmeldt."
        self.account.with_user(self.sysadmin).is_opt_out_confirmed = False
        self.assertEqual(
            (self.account.opt_out_confirmation, self.account.is_opt_out_confirmed),
            ("Afmeldt.", False),
        )
        # readable by the team, as the rest of the account
        self.assertEqual(
            self.account.with_user(self.agent).opt_out_confirmation, "Afmeldt."
        )
