"""Who may call the addon's public methods: every one of them is reachable over
JSON-RPC by any logged-in user, portal included (issue 14)."""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import ExchangeSyncCase


class AccessMixin:
    def make_portal(self):
        return new_test_user(
            self.env,
            login="portal.sync",
            name="Portal Sync",
            email="portal@klant.example",
            company_id=self.company.id,
            company_ids=[self.company.id],
            groups="base.group_portal",
        )

    def make_admin(self):
        return new_test_user(
            self.env,
            login="admin.sync",
            name="Admin Sync",
            email="admin@nordlys.example",
            company_id=self.company.id,
            company_ids=[self.company.id],
            groups="base.group_user,base.group_system",
        )


@tagged("post_install", "-at_install")
class TestAccess(AccessMixin, ExchangeSyncCase):
    def test_users_cannot_make_the_service_account_call_exchange(self):
        """Detecting folders, testing the connection, syncing and re-linking use
        the tenant-wide credentials: internal and portal users are refused
        before anything reaches Microsoft, and nothing is written."""
        portal = self.make_portal()
        wizard = self.env["exchange.relink.wizard"].create(
            {"mailbox_id": self.mb_anna.id}
        )
        calls = [
            lambda user: self.mb_anna.with_user(user).action_detect_folders(),
            lambda user: self.mb_anna.with_user(user).action_sync_now(),
            lambda user: self.mb_anna.with_user(user).action_reset_sync_state(),
            lambda user: self.config.with_user(user).action_test_connection(),
            lambda user: self.config.with_user(user).action_sync_now(),
            lambda user: self.config.with_user(user).action_add_users(),
            lambda user: wizard.with_user(user).action_analyse(),
            lambda user: wizard.with_user(user).action_relink(),
        ]
        for user in (self.anna, portal):
            for n, call in enumerate(calls):
                with self.subTest(user=user.login, call=n):
                    with self.assertRaises(AccessError):
                        call(user)
        self.assertFalse(self.fake.requests)
        self.assertEqual(self.mb_anna.calendar_folder_name, "Calendar")
        self.assertFalse(self.mb_anna.todo_list_id)
        self.assertEqual(wizard.state, "draft")
        self.assertEqual(len(self.config.mailbox_ids), 2)

    def test_system_administrator_detects_folders(self):
        admin = self.make_admin()
        self.mb_anna.with_user(admin).action_detect_folders()
        self.assertEqual(self.mb_anna.calendar_folder_name, "Kalender")
        self.assertEqual(self.mb_anna.tasks_folder_name, "Opgaver")
        self.assertTrue(self.fake.requests)

    def test_portal_users_read_nothing_of_the_sync(self):
        portal = self.make_portal()
        self.new_event(name="Synkroniseret")
        self.sync()
        for model in (
            "exchange.sync.config",
            "exchange.sync.mailbox",
            "exchange.item.link",
        ):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(portal).search_read([], ["id"])
        # internal users see their own mailbox and links, never a secret
        own = self.env["exchange.item.link"].with_user(self.anna).search([])
        self.assertEqual(own, self.links(self.mb_anna))
        self.assertFalse(
            self.env["exchange.item.link"].with_user(self.bo).search([]),
        )
        fields = self.env["exchange.sync.config"].with_user(self.anna).fields_get()
        self.assertNotIn("client_secret", fields)
        self.assertNotIn("ews_password", fields)
        # and cannot write their own mailbox (routing, folders, sync state)
        with self.assertRaises(AccessError):
            self.mb_anna.with_user(self.anna).write({"email": "bo@nordlys.example"})


@tagged("post_install", "-at_install")
class TestAccessOverRpc(AccessMixin, ExchangeSyncCase, HttpCase):
    def call_kw(self, model, method, ids):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": [ids],
                "kwargs": {},
            },
        )

    def test_internal_user_cannot_detect_folders_over_json_rpc(self):
        self.authenticate("anna.sync", "anna.sync")
        for model, method, record in (
            ("exchange.sync.mailbox", "action_detect_folders", self.mb_anna),
            ("exchange.sync.config", "action_test_connection", self.config),
        ):
            with (
                self.subTest(method=method),
                self.assertRaisesRegex(JsonRpcException, "AccessError"),
            ):
                self.call_kw(model, method, record.ids)
        self.assertFalse(self.fake.requests)
        self.assertFalse(self.mb_anna.todo_list_id)

    def test_portal_user_cannot_detect_folders_over_json_rpc(self):
        self.make_portal()
        self.authenticate("portal.sync", "portal.sync")
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.call_kw(
                "exchange.sync.mailbox", "action_detect_folders", self.mb_anna.ids
            )
        self.assertFalse(self.fake.requests)
