from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import PARAM, UnitelCommon

SETTINGS_ACTIONS = (
    "action_unitel_generate_webhook_token",
    "action_unitel_renormalise_numbers",
)
REFUSED = ("portal", "internal", "salesperson", "manager")


@tagged("post_install", "-at_install")
class TestSettingsAccess(UnitelCommon, HttpCase):
    """Settings actions read no field, so no access right stops a JSON-RPC
    call to them: each action checks the group itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls._unitel_roles()
        cls._set_params(webhook_token="configured-token")

    def call_kw(self, role, method, ids):
        self.authenticate(f"unitel_{role}", f"unitel_{role}_pw1")
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/res.config.settings/{method}",
            {
                "model": "res.config.settings",
                "method": method,
                "args": [ids],
                "kwargs": {},
            },
        )

    def token(self):
        return self.env["ir.config_parameter"].sudo().get_param(PARAM % "webhook_token")

    def break_hansen_e164(self):
        self.env.cr.execute(
            "UPDATE res_partner SET phone_e164 = '+4599999999' WHERE id = %s",
            [self.hansen.id],
        )
        self.hansen.invalidate_recordset(["phone_e164"])

    def test_only_administrators_run_the_settings_actions(self):
        settings_id = self.env["res.config.settings"].create({}).id
        self.break_hansen_e164()
        for role in REFUSED:
            for method in SETTINGS_ACTIONS:
                with self.subTest(role=role, method=method):
                    with self.assertRaisesRegex(
                        JsonRpcException, "odoo.exceptions.AccessError"
                    ):
                        self.call_kw(role, method, [settings_id])
        self.assertEqual(self.token(), "configured-token")
        self.assertEqual(self.hansen.phone_e164, "+4599999999")

        result = self.call_kw("admin", SETTINGS_ACTIONS[0], [settings_id])
        self.assertEqual(result["tag"], "reload")
        self.assertNotEqual(self.token(), "configured-token")
        result = self.call_kw("admin", SETTINGS_ACTIONS[1], [settings_id])
        self.assertEqual(result["params"]["type"], "success")
        self.hansen.invalidate_recordset(["phone_e164"])
        self.assertEqual(self.hansen.phone_e164, "+4512345678")

    def test_tokens_never_leave_through_default_get(self):
        """Core fills settings defaults as superuser: the tokens stay behind."""
        self._set_params(api_token="configured-api-token")
        secrets = ["unitel_api_token", "unitel_webhook_token"]
        for role in REFUSED:
            with self.subTest(role=role):
                self.authenticate(f"unitel_{role}", f"unitel_{role}_pw1")
                try:
                    values = self.make_jsonrpc_request(
                        "/web/dataset/call_kw/res.config.settings/default_get",
                        {
                            "model": "res.config.settings",
                            "method": "default_get",
                            "args": [secrets],
                            "kwargs": {},
                        },
                    )
                except JsonRpcException:
                    continue  # refused outright is fine too
                self.assertFalse(set(values) & set(secrets), values)
        values = self.env["res.config.settings"].default_get(secrets)
        self.assertEqual(values["unitel_webhook_token"], "configured-token")
        self.assertEqual(values["unitel_api_token"], "configured-api-token")

    def test_refused_with_any_ids_and_as_orm_call(self):
        """Ids of records that do not exist read no field either."""
        for role in REFUSED:
            user = self.roles[role]
            for method in SETTINGS_ACTIONS:
                with self.subTest(role=role, method=method):
                    settings = self.env["res.config.settings"].with_user(user)
                    with self.assertRaises(JsonRpcException):
                        self.call_kw(role, method, [987654])
                    with self.assertRaisesRegex(AccessError, "administrators"):
                        getattr(settings.browse(987654), method)()
        self.assertEqual(self.token(), "configured-token")
