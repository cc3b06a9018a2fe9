"""WhatsApp messages follow their conversation's team and company (issue 14,
case 4): nobody reads every message of every team over JSON-RPC."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from .common import WhatsappCommon


@tagged("post_install", "-at_install")
class TestMessageAccess(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        cls.main_company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Nordlys NL BV"})
        cls.sysadmin.company_ids = [Command.link(cls.other_company.id)]
        cls.other_agent = new_test_user(
            cls.env, login="wa_other", name="Olga Other", groups="base.group_user"
        )
        # a second team in the same company ...
        cls.account_b = cls.env["whatsapp.account"].create(
            {
                "name": "Support",
                "phone_number_id": "200",
                "business_account_id": "201",
                "user_ids": [Command.set(cls.other_agent.ids)],
            }
        )
        # ... and one in another company, whose team lists the agent
        cls.account_c = cls.env["whatsapp.account"].create(
            {
                "name": "Nederland",
                "phone_number_id": "300",
                "business_account_id": "301",
                "company_id": cls.other_company.id,
                "currency_id": cls.env.ref("base.EUR").id,
                "user_ids": [Command.set(cls.agent.ids)],
            }
        )
        cls.msg_a = cls._message(cls.account, "Hej fra A")
        cls.msg_b = cls._message(cls.account_b, "Hej fra B")
        cls.msg_c = cls._message(cls.account_c, "Hallo uit C")
        cls.all_messages = cls.msg_a | cls.msg_b | cls.msg_c

    @classmethod
    def _message(cls, account, body):
        channel = cls.env["discuss.channel"]._whatsapp_get_or_create(
            account, cls.customer
        )[cls.customer]
        return cls.env["whatsapp.message"].create(
            {
                "account_id": account.id,
                "channel_id": channel.id,
                "partner_id": cls.customer.id,
                "direction": "inbound",
                "state": "received",
                "body": body,
                "recipient": "4520998877",
            }
        )

    def visible(self, user, companies=None):
        env = self.env(user=user)
        if companies:
            env = env(context=dict(env.context, allowed_company_ids=companies.ids))
        return env["whatsapp.message"].search([("id", "in", self.all_messages.ids)])

    def test_each_role_reads_its_own_teams_messages(self):
        self.assertFalse(self.visible(self.salesperson))
        self.assertFalse(self.visible(self.employee))
        self.assertEqual(self.visible(self.other_agent), self.msg_b)
        # in account C's team, but not allowed in its company
        self.assertEqual(self.visible(self.agent), self.msg_a)
        self.assertEqual(self.visible(self.wa_manager), self.msg_a | self.msg_b)
        self.assertEqual(
            self.visible(self.sysadmin, self.main_company), self.msg_a | self.msg_b
        )
        self.assertEqual(
            self.visible(self.sysadmin, self.main_company | self.other_company),
            self.all_messages,
        )
        with self.assertRaises(AccessError):
            self.visible(self.portal)
        with self.assertRaises(AccessError):
            self.msg_b.with_user(self.salesperson).read(["body"])

    def test_a_member_invited_to_the_conversation_reads_it(self):
        self.msg_b.channel_id._add_members(users=self.salesperson)
        self.assertEqual(self.visible(self.salesperson), self.msg_b)
        self.assertEqual(self.msg_b.with_user(self.salesperson).body, "Hej fra B")

    def test_conversations_follow_the_same_rule(self):
        Channel = self.env["discuss.channel"].with_user(self.wa_manager)
        channels = Channel.search([("whatsapp_account_id", "!=", False)])
        self.assertIn(self.msg_b.channel_id, channels)
        self.assertNotIn(self.msg_c.channel_id, channels)
        agent_channels = (
            self.env["discuss.channel"]
            .with_user(self.agent)
            .search([("whatsapp_account_id", "!=", False)])
        )
        self.assertNotIn(self.msg_b.channel_id, agent_channels)

    def test_salesperson_search_read_over_json_rpc(self):
        self.authenticate("wa_sales", "wa_sales")
        rows = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "whatsapp.message",
                "method": "search_read",
                "args": [[]],
                "kwargs": {"fields": ["body", "recipient"]},
            },
        )
        self.assertEqual(rows, [])
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "whatsapp.message",
                    "method": "read",
                    "args": [self.all_messages.ids, ["body"]],
                    "kwargs": {},
                },
            )
        self.authenticate("wa_agent", "wa_agent")
        rows = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "whatsapp.message",
                "method": "search_read",
                "args": [[("id", "in", self.all_messages.ids)]],
                "kwargs": {"fields": ["body"]},
            },
        )
        self.assertEqual([row["body"] for row in rows], ["Hej fra A"])
