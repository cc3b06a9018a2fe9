"""Every public method of the addon's models is safe to call over JSON-RPC."""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import SQL

OFFICER = "consent_management.group_consent_officer"


@tagged("post_install", "-at_install")
class TestPublicMethods(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env,
            login="consent_portal",
            password="consent_portal_pw1",
            groups="base.group_portal",
        )
        cls.user = new_test_user(
            cls.env,
            login="consent_employee",
            password="consent_employee_pw1",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.officer = new_test_user(
            cls.env,
            login="consent_officer_rpc",
            password="consent_officer_pw1",
            groups=f"base.group_user,{OFFICER}",
        )
        cls.sales = cls.env.ref("consent_management.consent_purpose_sales_service")
        cls.emarketing = cls.env.ref("consent_management.consent_purpose_emarketing")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ida Kjær", "email": "ida@nordlys.example"}
        )

    def drop_bases(self):
        """Simulate contacts without legal basis: the rules would recreate them."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("DELETE FROM consent_record WHERE purpose_id = %s", self.sales.id)
        )
        self.env.invalidate_all()

    def count_bases(self):
        return self.env["consent.record"].search_count(
            [("purpose_id", "=", self.sales.id)]
        )

    def call(self, model, method, args=(), kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs or {},
            },
        )

    def assert_refused(self, model, method, args=()):
        with self.assertRaises(JsonRpcException) as caught:
            self.call(model, method, args)
        self.assertIn(
            caught.exception.args[0],
            ("odoo.exceptions.AccessError", "odoo.exceptions.MissingError"),
            f"{model}.{method}",
        )

    def test_portal_cannot_run_the_initializer(self):
        self.drop_bases()
        events = self.env["consent.event"].search_count([])
        self.authenticate("consent_portal", "consent_portal_pw1")
        for model, method, args in (
            ("consent.initializer", "run_rules", []),
            ("consent.initializer", "_run_rules", []),
            ("consent.initializer", "_rule_sales_service", []),
            ("consent.init.report", "action_run", []),
            ("res.config.settings", "action_consent_run_initializer", [[]]),
        ):
            self.assert_refused(model, method, args)
        self.assertEqual(self.count_bases(), 0, "no rule ran")
        self.assertEqual(self.env["consent.event"].search_count([]), events)

    def test_employee_cannot_run_the_initializer(self):
        self.drop_bases()
        self.authenticate("consent_employee", "consent_employee_pw1")
        self.assert_refused("consent.initializer", "run_rules")
        self.assert_refused("consent.init.report", "action_run")
        self.assert_refused(
            "res.config.settings", "action_consent_run_initializer", [[]]
        )
        self.assertEqual(self.count_bases(), 0)

    def test_officer_runs_the_initializer(self):
        self.drop_bases()
        self.authenticate("consent_officer_rpc", "consent_officer_pw1")
        action = self.call("consent.init.report", "action_run")
        self.assertEqual(action["res_model"], "consent.init.report")
        self.assertGreater(self.count_bases(), 0)

    def test_portal_cannot_use_partner_actions(self):
        own = self.portal.partner_id
        attachments = self.env["ir.attachment"].search_count([])
        self.authenticate("consent_portal", "consent_portal_pw1")
        for method in (
            "action_consent_grant",
            "action_consent_withdraw",
            "action_consent_request",
            "action_consent_open_records",
            "action_consent_export_history",
        ):
            self.assert_refused("res.partner", method, [own.ids])
            self.assert_refused("res.partner", method, [self.contact.ids])
        self.assert_refused("consent.purpose", "action_open_records", [self.sales.ids])
        self.assert_refused("consent.action.wizard", "action_apply", [[]])
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)

    def test_employee_uses_the_partner_actions(self):
        self.authenticate("consent_employee", "consent_employee_pw1")
        action = self.call("res.partner", "action_consent_grant", [self.contact.ids])
        self.assertEqual(action["res_model"], "consent.action.wizard")
        action = self.call(
            "res.partner", "action_consent_open_records", [self.contact.ids]
        )
        self.assertEqual(action["domain"], [["partner_id", "=", self.contact.id]])
        action = self.call(
            "res.partner", "action_consent_export_history", [self.contact.ids]
        )
        self.assertIn("/web/content/", action["url"])


@tagged("post_install", "-at_install")
class TestInitializerGroups(HttpCase):
    """The same checks with_user, without HTTP."""

    def test_roles(self):
        portal = new_test_user(self.env, login="cm_portal2", groups="base.group_portal")
        user = new_test_user(self.env, login="cm_user2", groups="base.group_user")
        officer = new_test_user(
            self.env, login="cm_officer2", groups=f"base.group_user,{OFFICER}"
        )
        admin = new_test_user(
            self.env, login="cm_admin2", groups="base.group_user,base.group_system"
        )
        Init = self.env["consent.initializer"]
        for denied in (portal, user):
            with self.assertRaises(AccessError):
                Init.with_user(denied).run_rules()
            with self.assertRaises(AccessError):
                self.env["consent.init.report"].with_user(denied).action_run()
        for allowed in (officer, admin):
            report = Init.with_user(allowed).run_rules()
            self.assertEqual(len(report), len(Init._get_rules()))
            self.env["res.config.settings"].with_user(
                allowed
            ).action_consent_run_initializer()
