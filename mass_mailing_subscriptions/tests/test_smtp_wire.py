import re

from nordic_crm_fakes.smtp import FakeSMTPServer, odoo_sends_mail

from odoo import Command
from odoo.tests import tagged

from .common import SubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestSmtpWire(SubscriptionsCase):
    """What really leaves Odoo, read back from an SMTP server on loopback."""

    def _loopback_server(self, smtp):
        return self.env["ir.mail_server"].create(
            {
                "name": "Loopback",
                "smtp_host": smtp.host,
                "smtp_port": smtp.port,
                "smtp_encryption": "none",
            }
        )

    def _send_for_real(self, mailing):
        with odoo_sends_mail():
            mailing.action_send_mail()
            self.env["mail.mail"].sudo().search(
                [("mailing_id", "=", mailing.id), ("state", "=", "outgoing")]
            ).send()

    def test_mailing_on_the_wire(self):
        with FakeSMTPServer() as smtp:
            server = self._loopback_server(smtp)
            mailing = self._create_partner_mailing(
                self.type_offers,
                mail_server_id=server.id,
                email_from="Nordlys ApS <news@nordlys.example>",
            )
            self._send_for_real(mailing)
            messages = smtp.wait_for(1)

        self.assertEqual([m.rcpt_tos for m in messages], [["olga@example.com"]])
        message = messages[0].message
        self.assertIn(
            f"/mailing/{mailing.id}/unsubscribe_oneclick?", message["List-Unsubscribe"]
        )
        self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        html = message.get_body(("html",)).get_content()
        path = self.p_offers._subscription_preferences_path()
        self.assertIn(f'{path}">Manage subscriptions</a>', html)
        # The three others are in the statistics, not in anybody's inbox.
        cancelled = self._traces(mailing).filtered(lambda t: t.trace_status == "cancel")
        self.assertEqual(len(cancelled), 3)

    def test_danish_and_dutch_bodies_link_the_preferences_page(self):
        """Odoo's Danish and Dutch unsubscribe snippets ("Afmeld", "Afmelden")
        lead to the preferences page, and every e-mail carries "Manage
        subscriptions" in the recipient's language, with the privacy switch
        off and on."""
        for code in ("da_DK", "nl_NL"):
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(
            ["mass_mailing_subscriptions"], ["da_DK", "nl_NL"], overwrite=True
        )
        Partner = self.env["res.partner"]
        anne = Partner.create(
            {
                "name": "Anne Andersen",
                "email": "anne@example.dk",
                "lang": "da_DK",
                "subscription_type_ids": [Command.set(self.type_offers.ids)],
            }
        )
        joost = Partner.create(
            {
                "name": "Joost de Vries",
                "email": "joost@example.nl",
                "lang": "nl_NL",
                "subscription_type_ids": [Command.set(self.type_offers.ids)],
            }
        )
        (anne | joost)._consent_grant("emarketing", source="manual")
        cases = [
            (anne, "<p>Hej Anne</p>", "Afmeld", "Administrer abonnementer"),
            (joost, "<p>Hallo Joost</p>", "Afmelden", "Abonnementen beheren"),
        ]
        with FakeSMTPServer() as smtp:
            server = self._loopback_server(smtp)
            sent = []
            for switch in (False, True):
                self._set_privacy(switch)
                for partner, text, snippet_label, label in cases:
                    mailing = self._create_partner_mailing(
                        self.type_offers,
                        partners=partner,
                        mail_server_id=server.id,
                        email_from="Nordlys ApS <news@nordlys.example>",
                        body_html=f'{text}<p><a href="/unsubscribe_from_list">'
                        f"{snippet_label}</a></p>",
                    )
                    self._send_for_real(mailing)
                    sent.append((switch, partner, snippet_label, label))
            messages = smtp.wait_for(len(sent))

        by_rcpt_order = list(zip(sent, messages, strict=True))
        for (switch, partner, snippet_label, label), received in by_rcpt_order:
            with self.subTest(switch=switch, lang=partner.lang):
                self.assertEqual(received.rcpt_tos, [partner.email])
                html = received.message.get_body(("html",)).get_content()
                path = re.escape(partner._subscription_preferences_path())
                # The body's own snippet, relinked by Odoo's placeholder...
                self.assertRegex(
                    html, rf'href="https?://[^"]+{path}">{snippet_label}</a>'
                )
                # ...and the footer label in the contact's language.
                self.assertRegex(html, rf'href="https?://[^"]+{path}">{label}</a>')
                self.assertNotIn("Manage subscriptions", html)
                self.assertNotIn("/unsubscribe_from_list", html)
                self.assertIn(
                    "unsubscribe_oneclick", received.message["List-Unsubscribe"]
                )
