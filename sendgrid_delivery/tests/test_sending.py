"""Mail leaving through SendGrid carries X-SMTPAPI (real SMTP server on loopback)."""

import json

from nordic_crm_fakes.smtp import FakeSMTPServer

from odoo.tests import tagged

from ..services import smtpapi
from .common import SendgridCommon, real_smtp_sending


@tagged("post_install", "-at_install")
class TestSending(SendgridCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = FakeSMTPServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        settings = cls.env["res.config.settings"].create(
            {"sendgrid_use": True, "sendgrid_api_key": "SG.test-key"}
        )
        settings.execute()
        cls.server = cls.env["ir.mail_server"]._sendgrid_server()
        # the relay itself is smtp.sendgrid.net; tests point it at the loopback server
        cls.server.write(
            {
                "smtp_host": cls.smtp.host,
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
            }
        )

    def setUp(self):
        super().setUp()
        self.smtp.clear()

    def _send(self, mails):
        with real_smtp_sending():
            mails.send(raise_exception=True)
        return self.smtp.messages

    def _header(self, received):
        value = received.message[smtpapi.HEADER_NAME]
        self.assertTrue(value, "X-SMTPAPI header missing")
        return json.loads(str(value))

    def test_server_created_for_sendgrid_relay(self):
        settings = self.env["res.config.settings"].create(
            {"sendgrid_use": True, "sendgrid_api_key": "SG.other"}
        )
        settings.execute()
        server = self.env["ir.mail_server"]._sendgrid_server()
        self.assertEqual(server, self.server, "updated, not duplicated")
        self.assertEqual(
            (
                server.smtp_host,
                server.smtp_port,
                server.smtp_encryption,
                server.smtp_user,
                server.smtp_pass,
            ),
            ("smtp.sendgrid.net", 587, "starttls", "apikey", "SG.other"),
        )
        self.env["res.config.settings"].create({"sendgrid_use": False}).execute()
        self.assertFalse(server.active)

    def test_chatter_mail_carries_unique_args(self):
        message = self.partner.message_post(
            body="<p>Tilbud til dig</p>",
            partner_ids=self.partner.ids,
            subject="Tilbud",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            mail_auto_delete=False,
            force_send=False,
        )
        mail = self.env["mail.mail"].search(
            [
                ("mail_message_id", "=", message.id),
                ("recipient_ids", "in", self.partner.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        received = self._send(mail)
        self.assertEqual(len(received), 1)
        self.assertEqual(received[0].rcpt_tos, ["anne@kunde.example"])
        self.assertEqual(received[0].auth, ("apikey", "SG.test-key"))
        header = self._header(received[0])
        self.assertEqual(
            header["unique_args"],
            {
                "odoo_db": self.env.cr.dbname,
                "odoo_mail_id": str(mail.id),
                "odoo_message_id": str(message.id),
                "odoo_partner_id": str(self.partner.id),
            },
        )
        self.assertEqual(header["filters"]["opentrack"]["settings"]["enable"], 1)
        self.assertEqual(header["filters"]["clicktrack"]["settings"]["enable"], 0)
        # SendGrid's limits: ASCII only, no line over 1,000 characters
        raw = received[0].raw_header(smtpapi.HEADER_NAME)
        self.assertTrue(raw.isascii())
        self.assertTrue(all(len(line) <= 998 for line in received[0].raw_lines))

    def test_tracking_switches_reach_the_header(self):
        settings = self.env["res.config.settings"].create(
            {
                "sendgrid_use": True,
                "sendgrid_api_key": "SG.test-key",
                "sendgrid_click_tracking": True,
                "sendgrid_open_tracking": False,
            }
        )
        settings.execute()
        self.server.write(
            {
                "smtp_host": self.smtp.host,
                "smtp_port": self.smtp.port,
                "smtp_encryption": "none",
            }
        )
        mail = self.env["mail.mail"].create(
            {"email_to": "bram@klant.example", "subject": "x", "body_html": "<p>x</p>"}
        )
        header = self._header(self._send(mail)[0])
        self.assertEqual(header["filters"]["clicktrack"]["settings"]["enable"], 1)
        self.assertEqual(header["filters"]["opentrack"]["settings"]["enable"], 0)

    def test_mailing_trace_id_and_round_trip_of_events(self):
        """Send a mailing, then post SendGrid events built from the received header."""
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Efterårstilbud – særpris",
                "body_html": "<p>Kære kunde, se vores tilbud</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr(
                    [("id", "in", (self.partner | self.partner_nl).ids)]
                ),
            }
        )
        with real_smtp_sending():
            mailing.action_send_mail()  # sends right away in tests
        traces = mailing.mailing_trace_ids
        self.assertEqual(len(traces), 2)
        received = self.smtp.messages
        self.assertEqual(len(received), 2)
        # mailing mails are deleted once sent: events must still find their trace
        self.assertFalse(
            self.env["mail.mail"].search([("mailing_id", "=", mailing.id)])
        )
        events = []
        for item in received:
            args = self._header(item)["unique_args"]
            trace = traces.browse(int(args["odoo_trace_id"]))
            self.assertIn(trace, traces)
            self.assertEqual(item.rcpt_tos, [trace.email])
            self.assertEqual(args["odoo_partner_id"], str(trace.res_id))
            # SendGrid copies unique_args flat onto each event
            kind = "open" if trace.res_id == self.partner.id else "bounce"
            events.append(
                dict(
                    args,
                    email=item.rcpt_tos[0],
                    timestamp=1_700_000_000,
                    event=kind,
                    sg_event_id=f"round-trip-{trace.id}",
                    reason="550 5.1.1 unknown" if kind == "bounce" else None,
                )
            )
        status, result = self.receive(events)
        self.assertEqual((status, result["stored"]), (200, 2))
        by_partner = {t.res_id: t for t in traces}
        self.assertEqual(by_partner[self.partner.id].trace_status, "open")
        self.assertEqual(by_partner[self.partner_nl.id].trace_status, "bounce")
        self.assertTrue(self.partner_nl.is_email_invalid)

    def test_other_server_gets_no_header(self):
        other = self.env["ir.mail_server"].create(
            {
                "name": "Own relay",
                "smtp_host": self.smtp.host,
                "smtp_port": self.smtp.port,
                "smtp_encryption": "none",
            }
        )
        mail = self.env["mail.mail"].create(
            {
                "email_to": "bram@klant.example",
                "subject": "Hej",
                "body_html": "<p>Hej</p>",
                "mail_server_id": other.id,
            }
        )
        received = self._send(mail)
        self.assertEqual(len(received), 1)
        self.assertIsNone(received[0].message[smtpapi.HEADER_NAME])

    def test_direct_send_email_is_tagged_with_database(self):
        IrMailServer = self.env["ir.mail_server"]
        message = IrMailServer.build_email(
            "info@nordlys.example", ["bram@klant.example"], "Direkte", "Hej"
        )
        with real_smtp_sending():
            IrMailServer.send_email(message, mail_server_id=self.server.id)
        header = self._header(self.smtp.messages[0])
        self.assertEqual(header["unique_args"], {"odoo_db": self.env.cr.dbname})
