"""The WhatsApp conversation in Discuss (issue 18): its sidebar category, the
composer's template button, the banner of a closed window and the failure
reason of a delivery mark; who receives what Discuss is told."""

import json
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, JsonRpcException, tagged

from odoo.addons.mail.tools.discuss import Store

from ..services import webhook as wa_webhook
from .common import WhatsappCommon

WHATSAPP_KEYS = {
    "whatsapp_conversation",
    "whatsapp_display_number",
    "whatsapp_window_end",
}


@tagged("post_install", "-at_install")
class TestWhatsappDiscussUi(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        cls.agent.tz = "Europe/Copenhagen"

    def channel_data(self, channel, login):
        """What Discuss loads about ``channel`` for ``login`` (its channels)."""
        self.authenticate(login, login)
        data = self.make_jsonrpc_request("/mail/data", {"channels_as_member": True})
        return next(
            (c for c in data.get("discuss.channel", []) if c["id"] == channel.id),
            None,
        )

    def danish(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["whatsapp_business"], ["da_DK"], overwrite=True
        )
        self.agent.lang = "da_DK"

    def tour(self, channel, name):
        """Run tour ``name`` as the agent in ``channel``. The web client page is
        rendered once first: on a loaded machine, finding the asset files takes
        longer than the browser waits for a page."""
        url = f"/odoo/discuss?active_id=discuss.channel_{channel.id}"
        self.authenticate("wa_agent", "wa_agent")
        self.url_open(url, timeout=600)
        self.start_tour(url, name, login="wa_agent", timeout=300)

    # -- what Discuss is told, and whom ---------------------------------------
    def test_members_learn_the_conversation_is_whatsapp(self):
        channel = self.conversation(hours_since_inbound=2)
        data = self.channel_data(channel, "wa_agent")
        self.assertTrue(data["whatsapp_conversation"])
        self.assertEqual(data["whatsapp_display_number"], "+45 20 99 88 77")
        self.assertEqual(
            data["whatsapp_window_end"],
            fields.Datetime.to_string(channel.whatsapp_window_end),
        )
        # an ordinary group chat of the same user says nothing of WhatsApp
        group = self.env["discuss.channel"].create(
            {
                "name": "Kaffe",
                "channel_type": "group",
                "channel_member_ids": [
                    Command.create({"partner_id": self.agent.partner_id.id})
                ],
            }
        )
        self.assertFalse(WHATSAPP_KEYS & set(self.channel_data(group, "wa_agent")))

    def test_portal_member_and_outsiders_get_no_whatsapp_fields(self):
        channel = self.conversation(hours_since_inbound=2)
        # invited by a member, as in any group chat: reads it, not as WhatsApp
        channel.sudo()._add_members(partners=self.portal.partner_id)
        data = self.channel_data(channel, "wa_portal")
        self.assertTrue(data, "the invited portal user reads the conversation")
        self.assertFalse(WHATSAPP_KEYS & set(data))
        # an internal user outside the team and the conversation reads nothing
        self.assertIsNone(self.channel_data(channel, "wa_employee"))
        self.authenticate("wa_employee", "wa_employee")
        info = self.make_jsonrpc_request(
            "/discuss/channel/info", {"channel_id": channel.id}
        )
        self.assertFalse(info)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "discuss.channel",
                    "method": "read",
                    "args": [[channel.id], ["whatsapp_window_end"]],
                    "kwargs": {},
                },
            )

    def test_window_end_is_pushed_to_internal_members_only(self):
        channel = self.conversation(hours_since_inbound=30)
        channel.sudo()._add_members(partners=self.portal.partner_id)
        Bus = self.env["bus.bus"].sudo()
        self.env.cr.precommit.run()  # notifications of the set-up, sent
        Bus.search([]).unlink()
        when = fields.Datetime.now() - timedelta(minutes=5)
        channel._whatsapp_open_window(when)
        self.env.cr.precommit.run()
        sent = Bus.search([("message", "like", "whatsapp_window_end")])
        targets = {tuple(json.loads(bus.channel)[1:]) for bus in sent}
        # the team (and whoever created the conversation), never the portal member
        self.assertLessEqual(
            {
                ("res.partner", self.agent.partner_id.id),
                ("res.partner", self.colleague.partner_id.id),
            },
            targets,
        )
        self.assertNotIn(("res.partner", self.portal.partner_id.id), targets)
        self.assertNotIn(("discuss.channel", channel.id), targets)
        payload = json.loads(sent[:1].message)["payload"]
        [data] = payload["discuss.channel"]
        self.assertEqual(
            data["whatsapp_window_end"],
            fields.Datetime.to_string(when + timedelta(hours=24)),
        )

    def test_failed_mark_reason_reaches_discuss(self):
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        store = Store()
        message.mail_message_id._message_notifications_to_store(store)
        [notification] = store.get_result()["mail.notification"]
        self.assertFalse(notification["whatsapp_failure_reason"])
        self.account._process_webhook(
            wa_webhook.parse_payload(
                self.status_payload(
                    message.meta_id,
                    "failed",
                    errors=[{"code": 131026, "title": "Message undeliverable"}],
                )
            )
        )
        store = Store()
        message.mail_message_id._message_notifications_to_store(store)
        [notification] = store.get_result()["mail.notification"]
        self.assertIn("131026", notification["whatsapp_failure_reason"])

    def test_marks_readable_by_team_and_members_only(self):
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        mark = message.mail_message_id.notification_ids
        self.assertEqual(mark.whatsapp_channel_id, message.channel_id)
        Notification = self.env["mail.notification"]
        domain = [("id", "=", mark.id)]
        for user in (self.agent, self.wa_manager, self.sysadmin):
            with self.subTest(user=user.login):
                self.assertEqual(Notification.with_user(user).search(domain), mark)
                mark.with_user(user).read(["failure_reason"])
        for user in (self.employee, self.salesperson, self.portal):
            with self.subTest(user=user.login):
                self.assertFalse(Notification.with_user(user).search(domain))
                with self.assertRaises(AccessError):
                    mark.with_user(user).read(["failure_reason"])
        # a colleague invited into the conversation reads its marks
        message.channel_id.sudo()._add_members(users=self.employee)
        self.assertEqual(Notification.with_user(self.employee).search(domain), mark)
        # e-mail notifications are left to Odoo's own rules
        email = Notification.create(
            {
                "mail_message_id": message.mail_message_id.id,
                "res_partner_id": self.agent.partner_id.id,
                "notification_type": "email",
            }
        )
        self.assertFalse(email.whatsapp_channel_id)
        self.assertEqual(
            Notification.with_user(self.salesperson).search([("id", "=", email.id)]),
            email,
        )
        # over JSON-RPC, as anyone would try it
        self.authenticate("wa_sales", "wa_sales")
        found = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "mail.notification",
                "method": "search_read",
                "args": [[("notification_type", "=", "whatsapp")]],
                "kwargs": {"fields": ["failure_reason", "res_partner_id"]},
            },
        )
        self.assertEqual(found, [])

    # -- the template button ---------------------------------------------------
    def test_template_button_opens_the_wizard_for_the_contact(self):
        channel = self.conversation(hours_since_inbound=30)
        action = channel.with_user(self.agent).action_whatsapp_send_template()
        self.assertEqual(action["res_model"], "whatsapp.composer")
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        self.assertEqual(action["context"]["default_account_id"], self.account.id)
        composer = (
            self.env["whatsapp.composer"]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create({"template_id": self.tmpl_utility.id})
        )
        self.assertEqual(composer.partner_id, self.customer)
        result = composer.action_send()
        # sent from the conversation itself: the wizard just closes
        self.assertEqual(
            result["params"]["next"], {"type": "ir.actions.act_window_close"}
        )
        sent = self.env["whatsapp.message"].search([("channel_id", "=", channel.id)])
        self.assertEqual(sent.template_id, self.tmpl_utility)

    def test_template_button_is_refused_outside_the_team(self):
        channel = self.conversation(hours_since_inbound=2)
        for user in (self.employee, self.salesperson, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                channel.with_user(user).action_whatsapp_send_template()
        # administrators may, as they may read every conversation
        for user in (self.wa_manager, self.sysadmin):
            action = channel.with_user(user).action_whatsapp_send_template()
            self.assertEqual(action["res_model"], "whatsapp.composer")
        group = self.env["discuss.channel"].create(
            {
                "name": "Kaffe",
                "channel_type": "group",
                "channel_member_ids": [
                    Command.create({"partner_id": self.agent.partner_id.id})
                ],
            }
        )
        with self.assertRaises(UserError):
            group.with_user(self.agent).action_whatsapp_send_template()
        # over JSON-RPC, as the web client calls it
        self.authenticate("wa_portal", "wa_portal")
        with self.assertRaises(JsonRpcException) as error:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "discuss.channel",
                    "method": "action_whatsapp_send_template",
                    "args": [[channel.id]],
                    "kwargs": {},
                },
            )
        self.assertEqual(error.exception.args[0], "odoo.exceptions.AccessError")

    # -- browser tours, Danish UI ---------------------------------------------
    def test_tour_template_button_in_danish(self):
        self.danish()
        channel = self.conversation()
        # a fixed window end (summer time in Copenhagen: UTC+2)
        channel._whatsapp_open_window(datetime(2030, 6, 1, 10, 0))
        self.tour(channel, "whatsapp_discuss_template")
        message = self.env["whatsapp.message"].search(
            [("channel_id", "=", channel.id), ("template_id", "!=", False)]
        )
        self.assertEqual(message.template_id, self.tmpl_utility)
        self.assertEqual(message.partner_id, self.customer)
        self.assertEqual(message.mail_message_id.author_id, self.agent.partner_id)
        self.assertIn("Hej Jens Jensen", message.mail_message_id.body)

    def test_tour_closed_window_banner_in_danish(self):
        self.danish()
        channel = self.conversation()
        # closed on 6 January 2025, 08:30 UTC = 09:30 in Copenhagen
        channel._whatsapp_open_window(datetime(2025, 1, 5, 8, 30))
        self.tour(channel, "whatsapp_closed_window")

    def test_tour_failed_mark_in_danish(self):
        self.danish()
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.account._process_webhook(
            wa_webhook.parse_payload(
                self.status_payload(
                    message.meta_id,
                    "failed",
                    errors=[{"code": 131026, "title": "Message undeliverable"}],
                )
            )
        )
        self.tour(message.channel_id, "whatsapp_failed_mark")
