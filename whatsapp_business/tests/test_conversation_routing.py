"""Where a conversation goes is Odoo's business, not its members' (issue 14,
case 8): routing fields are written by the addon only, and sending a template
does not let anybody into a conversation."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, JsonRpcException, tagged

from .common import WhatsappCommon


@tagged("post_install", "-at_install")
class TestConversationRouting(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        cls.channel = cls.env["discuss.channel"]._whatsapp_get_or_create(
            cls.account, cls.customer
        )[cls.customer]
        cls.channel._whatsapp_open_window(
            fields.Datetime.now() - timedelta(hours=30), "4520998877"
        )
        cls.other_account = cls.env["whatsapp.account"].create(
            {"name": "Other", "phone_number_id": "400", "business_account_id": "401"}
        )
        cls.group_chat = (
            cls.env["discuss.channel"]
            .with_user(cls.agent)
            .create_group(partners_to=cls.colleague.partner_id.ids)
        )

    def call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def routing(self, channel):
        return channel.read(
            [
                "whatsapp_account_id",
                "whatsapp_partner_id",
                "whatsapp_number",
                "whatsapp_last_inbound_date",
                "whatsapp_window_end",
            ]
        )

    # -- members cannot reroute -----------------------------------------------
    def test_member_cannot_write_routing_fields(self):
        before = self.routing(self.channel)
        channel = self.channel.with_user(self.agent)
        for vals in (
            {"whatsapp_number": "4511111111"},
            {"whatsapp_account_id": self.other_account.id},
            {"whatsapp_partner_id": self.agent.partner_id.id},
            {"whatsapp_last_inbound_date": fields.Datetime.now()},
            {"whatsapp_window_end": fields.Datetime.now() + timedelta(hours=24)},
        ):
            with self.assertRaises(AccessError):
                channel.write(vals)
        self.assertEqual(self.routing(self.channel), before)
        self.assertFalse(self.channel.whatsapp_is_window_open)
        # renaming stays a member's right
        channel.channel_rename("Jens (VIP)")
        self.assertEqual(self.channel.name, "Jens (VIP)")

    def test_member_cannot_reroute_over_json_rpc(self):
        before = self.routing(self.channel)
        self.authenticate("wa_agent", "wa_agent")
        with self.assertRaises(JsonRpcException) as error:
            self.call_kw(
                "discuss.channel",
                "write",
                [
                    [self.channel.id],
                    {
                        "whatsapp_number": "4511111111",
                        "whatsapp_last_inbound_date": fields.Datetime.to_string(
                            fields.Datetime.now()
                        ),
                    },
                ],
            )
        self.assertEqual(error.exception.args[0], "odoo.exceptions.AccessError")
        self.assertEqual(self.routing(self.channel), before)

    def test_group_chat_cannot_be_forwarded_to_whatsapp(self):
        chat = self.group_chat.with_user(self.agent)
        with self.assertRaises(AccessError):
            chat.write(
                {
                    "whatsapp_account_id": self.account.id,
                    "whatsapp_number": "4511111111",
                }
            )
        self.assertFalse(self.group_chat.whatsapp_account_id)

    def test_no_conversation_is_created_by_hand(self):
        Channel = self.env["discuss.channel"].with_user(self.employee)
        count = Channel.sudo().search_count([("whatsapp_account_id", "!=", False)])
        with self.assertRaises(AccessError):
            Channel.create(
                {
                    "name": "Fake",
                    "channel_type": "group",
                    "whatsapp_account_id": self.account.id,
                    "whatsapp_number": "4511111111",
                }
            )
        defaults = Channel.with_context(
            default_whatsapp_account_id=self.account.id,
            default_whatsapp_number="4511111111",
            default_whatsapp_last_inbound_date=fields.Datetime.now(),
        )
        with self.assertRaises(AccessError):
            defaults.create_group(partners_to=self.colleague.partner_id.ids)
        with self.assertRaises(AccessError):
            defaults.channel_create("Leak", group_id=None)
        # an administrator's copy is a plain group chat, going nowhere
        copy = self.channel.with_user(self.sysadmin).copy()
        self.assertFalse(copy.whatsapp_account_id or copy.whatsapp_number)
        copy.unlink()
        self.assertEqual(
            Channel.sudo().search_count([("whatsapp_account_id", "!=", False)]), count
        )

    def test_create_group_with_defaults_over_json_rpc(self):
        self.authenticate("wa_employee", "wa_employee")
        with self.assertRaises(JsonRpcException):
            self.call_kw(
                "discuss.channel",
                "create_group",
                [],
                {
                    "partners_to": self.colleague.partner_id.ids,
                    "context": {
                        "default_whatsapp_account_id": self.account.id,
                        "default_whatsapp_number": "4511111111",
                    },
                },
            )
        self.assertFalse(
            self.env["discuss.channel"].search([("whatsapp_number", "=", "4511111111")])
        )

    # -- sending a template is no way in --------------------------------------
    def composer(self, user, template=None):
        composer = (
            self.env["whatsapp.composer"]
            .with_user(user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "account_id": self.account.id,
                    "template_id": (template or self.tmpl_auth).id,
                }
            )
        )
        composer.variable_ids.value = "123456"
        return composer

    def members(self):
        return self.channel.channel_member_ids.partner_id

    def test_outsider_cannot_join_by_sending_a_template(self):
        for user in (self.employee, self.salesperson):
            composer = self.composer(user)
            with self.assertRaises(AccessError):
                composer.action_send()
            self.assertNotIn(user.partner_id, self.members())
        self.assertFalse(
            self.env["whatsapp.message"].search([("channel_id", "=", self.channel.id)])
        )
        with self.assertRaises(AccessError):
            self.channel.with_user(self.employee).action_whatsapp_join()
        self.assertNotIn(self.employee.partner_id, self.members())

    def test_outsider_cannot_send_over_json_rpc(self):
        self.authenticate("wa_employee", "wa_employee")
        composer_id = self.call_kw(
            "whatsapp.composer",
            "create",
            [
                {
                    "partner_id": self.customer.id,
                    "account_id": self.account.id,
                    "template_id": self.tmpl_auth.id,
                }
            ],
        )
        with self.assertRaises(JsonRpcException) as error:
            self.call_kw("whatsapp.composer", "action_send", [[composer_id]])
        self.assertEqual(error.exception.args[0], "odoo.exceptions.AccessError")
        self.assertNotIn(self.employee.partner_id, self.members())

    def test_team_managers_and_invited_members_may_send(self):
        self.composer(self.wa_manager).action_send()
        self.assertIn(self.wa_manager.partner_id, self.members())
        # invited by a member, without being in the team
        self.channel._add_members(users=self.salesperson)
        self.composer(self.salesperson).action_send()
        self.assertEqual(
            len(
                self.env["whatsapp.message"].search(
                    [("channel_id", "=", self.channel.id)]
                )
            ),
            2,
        )

    def test_template_of_another_account_is_refused(self):
        template = self.env["whatsapp.template"].create(
            {
                "account_id": self.other_account.id,
                "name": "other",
                "language": "da",
                "category": "utility",
                "status": "approved",
                "body": "Hej",
            }
        )
        with self.assertRaisesRegex(UserError, "another WhatsApp account"):
            self.composer(self.agent, template).action_send()

    def test_join_is_for_whatsapp_conversations_only(self):
        with self.assertRaises(UserError):
            self.group_chat.with_user(self.agent).action_whatsapp_join()
        self.channel.with_user(self.wa_manager).action_whatsapp_join()
        self.assertIn(self.wa_manager.partner_id, self.members())

    def test_invited_portal_user_cannot_write_on_whatsapp(self):
        self.channel._whatsapp_open_window(fields.Datetime.now())
        self.channel._add_members(users=self.portal)
        self.authenticate("wa_portal", "wa_portal")
        with self.assertRaises(JsonRpcException) as error:
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": "discuss.channel",
                    "thread_id": self.channel.id,
                    "post_data": {
                        "body": "Hej fra portalen",
                        "message_type": "comment",
                        "subtype_xmlid": "mail.mt_comment",
                    },
                },
            )
        self.assertEqual(error.exception.args[0], "odoo.exceptions.AccessError")
        self.assertFalse(
            self.env["whatsapp.message"].search([("channel_id", "=", self.channel.id)])
        )
