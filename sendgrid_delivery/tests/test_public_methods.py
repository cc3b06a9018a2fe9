"""Public methods of the addon, called over JSON-RPC by every role (issue 14).

Every method without a leading underscore is reachable from
``/web/dataset/call_kw`` by any logged-in user: each test proves who may
call it and that the others change nothing.
"""

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import SendgridCommon, call_kw, make_role_users

SECRETS = ["sendgrid_api_key", "sendgrid_verification_key"]
NOT_ADMIN = ("portal", "internal", "salesperson", "marketer", "manager")


@tagged("post_install", "-at_install")
class TestPublicMethods(SendgridCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env, "sgpub")
        cls.env["ir.config_parameter"].sudo().set_param(
            "sendgrid_delivery.api_key", "SG.very-secret"
        )
        cls.partner.write(
            {
                "user_id": cls.users["salesperson"].id,
                "is_email_invalid": True,
                "email_invalid_reason": "550 5.1.1 unknown user",
            }
        )

    def rpc(self, role, model, method, args=(), kwargs=None):
        self.authenticate(self.users[role].login, self.users[role].login)
        return call_kw(self, model, method, args, kwargs)

    def assert_denied(self, role, model, method, args=(), kwargs=None):
        with (
            mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule"),
            self.assertRaises(JsonRpcException, msg=f"{role} {method}") as caught,
        ):
            self.rpc(role, model, method, args, kwargs)
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")

    def test_settings_defaults_never_reveal_secrets(self):
        """default_get is public: it must not hand out the API key."""
        for role in NOT_ADMIN:
            try:
                defaults = self.rpc(
                    role, "res.config.settings", "default_get", [SECRETS]
                )
            except JsonRpcException as refused:
                # with other addons installed, core refuses portal users outright
                self.assertEqual(refused.args[0], "odoo.exceptions.AccessError")
                continue
            for name in SECRETS:
                self.assertNotIn(name, defaults, role)
            fields = self.rpc(role, "res.config.settings", "fields_get", [SECRETS])
            self.assertFalse(set(fields) & set(SECRETS), role)
        defaults = self.rpc("admin", "res.config.settings", "default_get", [SECRETS])
        self.assertEqual(defaults["sendgrid_api_key"], "SG.very-secret")

    def test_smtp_connect_and_get_values_are_not_rpc_entry_points(self):
        """Python steps that core leaves public: nobody calls them remotely."""
        server = self.env["ir.mail_server"].create(
            {"name": "loopback", "smtp_host": "127.0.0.1", "smtp_port": 9}
        )
        for role in (*NOT_ADMIN, "admin"):
            self.assert_denied(
                role, "ir.mail_server", "connect", [server.ids],
                {"host": "127.0.0.1", "port": 9},
            )  # fmt: skip
            self.assert_denied(role, "res.config.settings", "get_values", [])
        # the code paths that use them still do
        values = self.env["res.config.settings"].get_values()
        self.assertIn("sendgrid_open_tracking", values)

    def test_check_domain_action_is_admin_only(self):
        settings = self.env["res.config.settings"].create({})
        for role in NOT_ADMIN:
            self.assert_denied(
                role,
                "res.config.settings",
                "action_sendgrid_check_domain",
                [settings.ids],
            )
            self.assert_denied(
                role, "sendgrid.domain.check", "create", [{"domains": "example.com"}]
            )
        self.assertFalse(self.env["sendgrid.domain.check"].search([]))

    def test_message_log_button_is_the_managers(self):
        for role in ("portal", "internal", "salesperson", "marketer"):
            self.assert_denied(
                role, "mail.message", "action_open_sendgrid_events", [self.message.ids]
            )
        action = self.rpc(
            "manager", "mail.message", "action_open_sendgrid_events", [self.message.ids]
        )
        self.assertEqual(action["res_model"], "sendgrid.event")

    def test_partner_log_and_reset_need_access_to_the_contact(self):
        self.assert_denied(
            "portal",
            "res.partner",
            "action_sendgrid_reset_email_invalid",
            [self.partner.ids],
        )
        self.assert_denied(
            "portal", "res.partner", "action_open_sendgrid_events", [self.partner.ids]
        )
        self.assertTrue(self.partner.is_email_invalid)
        # who may edit contacts may say the address works again
        self.assert_denied(
            "salesperson",
            "res.partner",
            "action_sendgrid_reset_email_invalid",
            [self.partner.ids],
        )
        self.users["salesperson"].groups_id += self.env.ref(
            "base.group_partner_manager"
        )
        self.rpc(
            "salesperson",
            "res.partner",
            "action_sendgrid_reset_email_invalid",
            [self.partner.ids],
        )
        self.partner.invalidate_recordset()
        self.assertFalse(self.partner.is_email_invalid)

    def test_outgoing_mail_log_is_the_system_admins(self):
        mail = self.env["mail.mail"].create({"subject": "Fortroligt", "body_html": "x"})
        for role in NOT_ADMIN:
            self.assert_denied(
                role, "mail.mail", "action_open_sendgrid_events", [mail.ids]
            )
        action = self.rpc(
            "admin", "mail.mail", "action_open_sendgrid_events", [mail.ids]
        )
        self.assertIn("Fortroligt", action["name"])

    def test_sender_addresses_are_configured_by_admins_only(self):
        identity = self.env["sendgrid.sender.identity"].create(
            {"name": "Nordlys", "email": "info@pub-test.example"}
        )
        values = {"email": "attacker@evil.example"}
        for role in NOT_ADMIN:
            self.assert_denied(
                role, "sendgrid.sender.identity", "write", [identity.ids, values]
            )
            self.assert_denied(
                role,
                "sendgrid.sender.identity",
                "create",
                [{"name": "X", "email": "x@evil.example", "is_default": True}],
            )
        self.assertEqual(identity.email, "info@pub-test.example")
        self.assert_denied(
            "portal",
            "sendgrid.sender.identity",
            "search_read",
            [[]],
            {"fields": ["email"]},
        )

    def test_mailing_log_button_is_for_marketers(self):
        for role in ("portal", "internal", "salesperson"):
            self.assert_denied(
                role,
                "mailing.mailing",
                "action_open_sendgrid_events",
                [self.mailing.ids],
            )
        action = self.rpc(
            "marketer",
            "mailing.mailing",
            "action_open_sendgrid_events",
            [self.mailing.ids],
        )
        self.assertEqual(action["res_model"], "sendgrid.event")

    def test_set_values_is_for_administrators(self):
        """set_values on no record, over JSON-RPC, wiped every setting."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("sendgrid_delivery.dns_target", "u1.wl1.sendgrid.net")
        self.users["manager"].groups_id += self.env.ref("base.group_erp_manager")
        for role in NOT_ADMIN:
            self.assert_denied(role, "res.config.settings", "set_values", [[]])
        self.assertEqual(
            params.get_param("sendgrid_delivery.api_key"), "SG.very-secret"
        )
        self.assertEqual(
            params.get_param("sendgrid_delivery.dns_target"), "u1.wl1.sendgrid.net"
        )
