"""Who may call each public method of the addon (any of them is reachable over
JSON-RPC by any logged-in user). A new public method without a row fails."""

import inspect

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, tagged

from .common import WhatsappCommon

ROLES = ("portal", "employee", "salesperson", "agent", "wa_manager", "sysadmin")
INTERNAL = ROLES[1:]
READERS = ("agent", "wa_manager", "sysadmin")  # the account's team, administrators
MANAGERS = ("wa_manager", "sysadmin")
# create/write overrides: proven by the access tests of each model
ORM = None

PUBLIC_METHODS = {
    "whatsapp.account": {
        "create": ORM,
        "write": ORM,
        "action_test_connection": MANAGERS,
        "action_sync_templates": MANAGERS,
        "action_view_templates": INTERNAL,
        "action_view_conversations": INTERNAL,
        "action_view_messages": INTERNAL,
    },
    "whatsapp.template": {"write": ORM},
    "whatsapp.template.variable": {},
    "whatsapp.template.button": {},
    "whatsapp.price": {},
    "whatsapp.message": {"create": ORM, "write": ORM, "action_retry": READERS},
    "whatsapp.composer": {"action_send": READERS},
    "whatsapp.composer.variable": {},
    "discuss.channel": {
        "create": ORM,
        "write": ORM,
        "message_post": ORM,
        "action_whatsapp_join": READERS,
        "action_whatsapp_leave": READERS,
        "action_open_discuss": READERS,
        "action_whatsapp_send_template": READERS,
    },
    "res.partner": {
        "action_send_whatsapp": INTERNAL,
        "action_view_whatsapp_conversations": INTERNAL,
    },
    "res.config.settings": {},
}


@tagged("post_install", "-at_install")
class TestPublicMethods(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        cls.channel = cls.env["discuss.channel"]._whatsapp_get_or_create(
            cls.account, cls.customer
        )[cls.customer]
        cls.failed = cls.env["whatsapp.message"].create(
            {
                "account_id": cls.account.id,
                "channel_id": cls.channel.id,
                "partner_id": cls.customer.id,
                "direction": "outbound",
                "state": "failed",
                "body": "Hej",
                "recipient": "4520998877",
            }
        )

    def user(self, role):
        return getattr(self, role)

    def call(self, role, model, method):
        """Call ``method`` as ``role`` on a record it is meant for."""
        user = self.user(role)
        if model == "whatsapp.composer":
            composer = (
                self.env["whatsapp.composer"]
                .with_user(user)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "account_id": self.account.id,
                        "template_id": self.tmpl_auth.id,
                    }
                )
            )
            composer.variable_ids.value = "123456"
            return composer.action_send()
        record = {
            "whatsapp.account": self.account,
            "whatsapp.message": self.failed,
            "discuss.channel": self.channel,
            "res.partner": self.customer,
        }[model]
        return getattr(record.with_user(user), method)()

    def test_every_public_method_has_a_row(self):
        for model, expected in PUBLIC_METHODS.items():
            found = set()
            for cls in type(self.env[model]).__mro__:
                if not cls.__module__.startswith("odoo.addons.whatsapp_business."):
                    continue
                found.update(
                    name
                    for name, member in vars(cls).items()
                    if not name.startswith("_") and inspect.isfunction(member)
                )
            self.assertEqual(found, set(expected), f"public methods of {model}")

    def test_who_may_call_what(self):
        for model, methods in PUBLIC_METHODS.items():
            for method, allowed in methods.items():
                if allowed is ORM:
                    continue
                for role in ROLES:
                    with self.subTest(model=model, method=method, role=role):
                        with self.cr.savepoint() as savepoint:
                            try:
                                self.call(role, model, method)
                            except AccessError:
                                self.assertNotIn(role, allowed)
                            else:
                                self.assertIn(role, allowed)
                            savepoint.rollback()

    def test_portal_over_json_rpc(self):
        self.authenticate("wa_portal", "wa_portal")
        for model, method, record in (
            ("whatsapp.account", "action_test_connection", self.account),
            ("whatsapp.message", "action_retry", self.failed),
            ("discuss.channel", "action_whatsapp_join", self.channel),
            ("res.partner", "action_send_whatsapp", self.customer),
        ):
            with self.assertRaises(JsonRpcException, msg=method):
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw",
                    {
                        "model": model,
                        "method": method,
                        "args": [record.ids],
                        "kwargs": {},
                    },
                )
        self.assertEqual(self.failed.state, "failed")
        self.assertNotIn(
            self.portal.partner_id, self.channel.channel_member_ids.partner_id
        )

    def test_restricted_contact_field_cannot_fill_a_template(self):
        # auth_signup's token type: readable by access-rights administrators only;
        # a merge field shows its value to every sender (as sudo, before)
        if "signup_type" not in self.env["res.partner"]._fields:
            self.skipTest("auth_signup is not installed")
        restricted = self.env["ir.model.fields"]._get("res.partner", "signup_type")
        variable = self.tmpl_utility.variable_ids[:1]
        with self.assertRaises(ValidationError):
            variable.write({"field_type": "field", "field_id": restricted.id})
        # a mapping made before is read as the sender: nothing for them
        self.env.cr.execute(
            "UPDATE whatsapp_template_variable SET field_type = 'field', "
            "field_id = %s WHERE id = %s",
            [restricted.id, variable.id],
        )
        variable.invalidate_recordset()
        self.customer.sudo().signup_type = "secret-type"
        value = variable.with_user(self.agent)._value_for(
            self.customer.with_user(self.agent)
        )
        self.assertEqual(value, "")
