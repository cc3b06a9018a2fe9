"""Sent / delivered / read / failed marks on outgoing messages in Discuss."""

import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tools.discuss import Store

from ..services import webhook as wa_webhook
from .common import WhatsappCommon


@tagged("post_install", "-at_install")
class TestWhatsappDeliveryMarks(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()

    def webhook(self, payload):
        self.account._process_webhook(wa_webhook.parse_payload(payload))

    def marks(self, message):
        """What Discuss receives about the message's notification."""
        store = Store()
        message.mail_message_id._message_notifications_to_store(store)
        [notification] = store.get_result()["mail.notification"]
        return (
            notification["notification_type"],
            notification["notification_status"],
            notification["whatsapp_status"],
        )

    def test_marks_follow_meta_statuses(self):
        message = self.tmpl_marketing._send_to_partner(self.customer)
        notification = message.mail_message_id.notification_ids
        self.assertEqual(len(notification), 1)
        self.assertEqual(notification.res_partner_id, self.customer)
        self.assertEqual(self.marks(message), ("whatsapp", "ready", "outgoing"))
        self.run_queue()
        self.assertEqual(self.marks(message), ("whatsapp", "sent", "sent"))
        Bus = self.env["bus.bus"].sudo()
        Bus.search([]).unlink()
        self.webhook(self.status_payload(message.meta_id, "delivered"))
        self.assertEqual(self.marks(message), ("whatsapp", "sent", "delivered"))
        # the conversation's members see the mark change without reloading
        self.env.cr.precommit.run()
        sent = Bus.search([("message", "like", "whatsapp_status")], order="id")
        self.assertTrue(sent)
        self.assertEqual(
            {tuple(json.loads(bus.channel)[1:]) for bus in sent},
            {("discuss.channel", message.channel_id.id)},
        )
        payload = json.loads(sent[-1].message)["payload"]
        self.assertEqual(
            [n["whatsapp_status"] for n in payload["mail.notification"]], ["delivered"]
        )
        self.webhook(self.status_payload(message.meta_id, "read"))
        self.assertEqual(self.marks(message), ("whatsapp", "sent", "read"))
        # a late "delivered" does not move the mark back
        self.webhook(self.status_payload(message.meta_id, "delivered"))
        self.assertEqual(self.marks(message), ("whatsapp", "sent", "read"))
        self.assertEqual(len(message.mail_message_id.notification_ids), 1)

    def test_failed_mark_carries_metas_reason(self):
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.webhook(
            self.status_payload(
                message.meta_id,
                "failed",
                errors=[{"code": 131026, "title": "Message undeliverable"}],
            )
        )
        notification = message.mail_message_id.notification_ids
        self.assertEqual(self.marks(message), ("whatsapp", "canceled", "failed"))
        self.assertIn("131026", notification.failure_reason)
        self.assertEqual(notification.failure_type, "unknown")
        # not an e-mail failure: mail's resend wizard and failure list ignore it
        self.assertFalse(message.mail_message_id.has_error)
        # sent again by hand: the mark is back to queued, then sent
        message.action_retry()
        self.assertEqual(self.marks(message), ("whatsapp", "ready", "outgoing"))
        self.assertFalse(notification.failure_reason)

    def test_inbound_messages_have_no_mark(self):
        self.webhook(self.inbound_payload("wamid.MARK.IN"))
        inbound = self.env["whatsapp.message"].search(
            [("meta_id", "=", "wamid.MARK.IN")]
        )
        self.assertTrue(inbound.mail_message_id)
        self.assertFalse(inbound.mail_message_id.notification_ids)

    def test_who_sees_the_marks(self):
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        channel = message.channel_id
        # a member of the conversation reads the mark with the messages
        data = Store(
            channel.with_user(self.agent).message_ids[:1].with_user(self.agent)
        ).get_result()
        notifications = data.get("mail.notification") or []
        self.assertEqual([n["whatsapp_status"] for n in notifications], ["sent"])
        # the customer's notification: no user may rewrite it over RPC
        for user in (self.agent, self.portal, self.salesperson):
            notification = message.mail_message_id.notification_ids.with_user(user)
            with self.assertRaises(AccessError):
                notification.write({"notification_status": "sent"})
                notification.flush_recordset()

    def test_marks_in_discuss_in_danish(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["whatsapp_business"], ["da_DK"], overwrite=True
        )
        self.agent.lang = "da_DK"
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.webhook(self.status_payload(message.meta_id, "delivered"))
        url = f"/odoo/discuss?active_id=discuss.channel_{message.channel_id.id}"
        # rendered once first: on a loaded machine, finding the asset files takes
        # longer than the browser waits for a page
        self.authenticate("wa_agent", "wa_agent")
        self.url_open(url, timeout=600)
        self.start_tour(url, "whatsapp_delivery_marks", login="wa_agent", timeout=300)
