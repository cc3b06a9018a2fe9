from odoo.tests import HttpCase, JsonRpcException, tagged

from .common import WhatsappCommon


@tagged("post_install", "-at_install")
class TestWhatsappDiscuss(WhatsappCommon, HttpCase):
    """A user answering in Discuss goes through the same route as the web client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()

    def _post(self, channel, body):
        return self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "discuss.channel",
                "thread_id": channel.id,
                "post_data": {
                    "body": body,
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )

    def test_answer_in_discuss_is_sent_on_whatsapp(self):
        channel = self.conversation(hours_since_inbound=2)
        self.authenticate("wa_agent", "wa_agent")
        self._post(channel, "Hej Jens, <b>pakken</b> er sendt.")
        message = self.env["whatsapp.message"].search([("channel_id", "=", channel.id)])
        self.assertEqual(message.state, "outgoing")
        self.assertEqual(message.mail_message_id.author_id, self.agent.partner_id)
        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.assertEqual(self.fake.sent[-1]["to"], "4520998877")
        self.assertEqual(
            self.fake.sent[-1]["text"]["body"], "Hej Jens, *pakken* er sendt."
        )

    def test_answer_outside_window_is_refused_in_discuss(self):
        channel = self.conversation(hours_since_inbound=26)
        count = len(channel.message_ids)
        self.authenticate("wa_agent", "wa_agent")
        with self.assertRaises(JsonRpcException) as error:
            self._post(channel, "For sent?")
        self.assertEqual(error.exception.args[0], "odoo.exceptions.UserError")
        self.assertEqual(len(channel.message_ids), count)
        self.assertFalse(
            self.env["whatsapp.message"].search([("channel_id", "=", channel.id)])
        )

    def test_non_member_cannot_post(self):
        outsider = self.env["res.users"].create(
            {"name": "Outsider", "login": "outsider", "password": "outsider-pass-1"}
        )
        channel = self.conversation(hours_since_inbound=2)
        self.authenticate("outsider", "outsider-pass-1")
        with self.assertRaises(JsonRpcException):
            self._post(channel, "Hej")
        self.assertFalse(
            self.env["whatsapp.message"].search([("channel_id", "=", channel.id)])
        )
        self.assertTrue(outsider)
