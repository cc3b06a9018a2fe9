from unittest.mock import patch

import odoo
from odoo.tests import tagged

from nordic_crm_fakes.smtp import FakeSMTPServer

from .common import SubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestSmtpWire(SubscriptionsCase):
    """What really leaves Odoo, read back from an SMTP server on loopback."""

    def test_mailing_on_the_wire(self):
        with FakeSMTPServer() as smtp:
            server = self.env["ir.mail_server"].create(
                {
                    "name": "Loopback",
                    "smtp_host": smtp.host,
                    "smtp_port": smtp.port,
                    "smtp_encryption": "none",
                }
            )
            mailing = self._create_partner_mailing(
                self.type_offers,
                mail_server_id=server.id,
                email_from="Nordlys ApS <news@nordlys.example>",
            )
            # Only Odoo's "are we testing" switch changes: the code runs as is.
            with patch.object(odoo.modules.module, "current_test", False):
                mailing.action_send_mail()
                self.env["mail.mail"].sudo().search(
                    [("mailing_id", "=", mailing.id), ("state", "=", "outgoing")]
                ).send()
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
