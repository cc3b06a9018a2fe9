"""Every public method of this addon's models is callable over JSON-RPC by
any logged-in user: the list is audited here, and each entry proves who may
call it."""

import inspect

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import UnitelCommon

ACCESS_ERROR = "odoo.exceptions.AccessError"
ADDON_MODULE = "odoo.addons.unitel_telephony."
# (model, method) -> where its access check lives
AUDITED = {
    ("res.partner", "create"): "core ACL; the unitel_call_id link needs read access",
    ("res.partner", "action_unitel_view_calls"): "internal users only",
    ("unitel.call", "create"): "ACL, record rules, _check_unitel_access",
    ("unitel.call", "write"): "ACL, record rules, restricted fields",
    ("unitel.call", "action_open_caller"): "check_access('read')",
    ("res.config.settings", "action_unitel_generate_webhook_token"): "system",
    ("res.config.settings", "action_unitel_renormalise_numbers"): "system",
    ("ir.http", "session_info"): "core; the call mode for internal users only",
    ("res.config.settings", "default_get"): "core; the tokens for system only",
}


@tagged("post_install", "-at_install")
class TestPublicMethods(UnitelCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls._unitel_roles()
        cls.call = cls.env["unitel.call"].create(
            {
                "direction": "incoming",
                "number": "+4512345678",
                "user_id": cls.roles["internal"].id,
            }
        )

    def test_every_public_method_is_audited(self):
        found = set()
        for name in self.env.registry:
            model_class = type(self.env[name])
            for klass in model_class.__mro__:
                if not klass.__module__.startswith(ADDON_MODULE):
                    continue
                for attr, value in vars(klass).items():
                    if attr.startswith("_") or isinstance(value, property):
                        continue
                    if inspect.isfunction(value) or isinstance(value, classmethod):
                        found.add((name, attr))
        self.assertEqual(found, set(AUDITED), "audit new public methods here")

    def test_the_old_click_to_call_entry_point_is_private(self):
        self.authenticate("unitel_internal", "unitel_internal_pw1")
        # (unitel_click_to_call, public before, is gone: see the audit above)
        with self.assertRaises(JsonRpcException):
            self.call_kw("internal", "unitel.call", "_unitel_click_to_call", "1234")
        self.assertFalse(self.new_calls().filtered(lambda c: c != self.call))

    def test_action_open_caller_per_role(self):
        expected = {
            "portal": False,
            "internal": True,  # their own call
            "salesperson": False,
            "manager": True,
            "admin": True,
        }
        for role, allowed in expected.items():
            with self.subTest(role=role):
                if allowed:
                    action = self.call_kw(
                        role, "unitel.call", "action_open_caller", self.call.ids
                    )
                    self.assertEqual(action["res_id"], self.hansen.id)
                else:
                    with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
                        self.call_kw(
                            role, "unitel.call", "action_open_caller", self.call.ids
                        )
        # the server action the pop-up opens is for internal users only
        action = self.env.ref("unitel_telephony.unitel_call_action_open_caller")
        self.assertEqual(action.groups_id, self.env.ref("base.group_user"))

    def test_action_view_calls_per_role(self):
        portal_partner = self.roles["portal"].partner_id
        with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
            self.call_kw(
                "portal", "res.partner", "action_unitel_view_calls", portal_partner.ids
            )
        for role in ("internal", "salesperson", "manager", "admin"):
            with self.subTest(role=role):
                action = self.call_kw(
                    role, "res.partner", "action_unitel_view_calls", self.hansen.ids
                )
                self.assertEqual(action["res_model"], "unitel.call")

    def test_portal_users_have_no_own_number(self):
        portal = self.roles["portal"]
        with self.assertRaisesRegex(JsonRpcException, "ValidationError"):
            self.call_kw(
                "portal",
                "res.users",
                "write",
                portal.ids,
                {"unitel_own_number": "2901"},
            )
        self.assertFalse(portal.unitel_own_number)

    def test_session_tells_the_call_mode_to_internal_users_only(self):
        self.authenticate("unitel_portal", "unitel_portal_pw1")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertNotIn("unitel_call_mode", info)
        self.authenticate("unitel_internal", "unitel_internal_pw1")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["unitel_call_mode"], "tel")
