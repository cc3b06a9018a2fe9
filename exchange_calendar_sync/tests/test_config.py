from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestConfig(ExchangeSyncCase):
    def test_secrets_are_for_system_administrators_only(self):
        manager = new_test_user(
            self.env, login="erp.manager", groups="base.group_erp_manager"
        )
        with self.assertRaises(AccessError):
            self.config.with_user(manager).read(["client_secret"])
        with self.assertRaises(AccessError):
            self.config.with_user(self.anna).read(["name"])
        # users see their own mailbox only
        self.assertEqual(
            self.env["exchange.sync.mailbox"].with_user(self.anna).search([]),
            self.mb_anna,
        )

    def test_test_connection_detects_localised_folders(self):
        action = self.config.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Kalender", action["params"]["message"])
        self.assertEqual(self.mb_anna.calendar_folder_name, "Kalender")
        self.assertEqual(self.mb_anna.tasks_folder_name, "Opgaver")

    def test_ews_on_exchange_online_is_flagged(self):
        self.config.write(
            {
                "backend": "ews",
                "ews_url": "https://outlook.office365.com/EWS/Exchange.asmx",
            }
        )
        self.assertTrue(self.config.is_ews_on_exchange_online)
        self.config.ews_url = "https://mail.nordlys.example/EWS/Exchange.asmx"
        self.assertFalse(self.config.is_ews_on_exchange_online)

    def test_permission_scripts(self):
        self.config.client_id = "22222222-2222-2222-2222-222222222222"
        self.mb_anna.write(
            {"calendar_folder_name": "Kalender", "tasks_folder_name": "Opgaver"}
        )
        wizard = self.env["exchange.permission.wizard"].create(
            {"config_id": self.config.id, "mailbox_ids": [(6, 0, self.mb_anna.ids)]}
        )
        self.assertIn("New-ManagementRoleAssignment -App $AppId", wizard.script)
        self.assertIn("anna@nordlys.example", wizard.script)
        self.assertNotIn("bo@nordlys.example", wizard.script)
        self.config.write(
            {
                "backend": "ews",
                "ews_url": "https://mail.nordlys.example/EWS/Exchange.asmx",
                "ews_username": "svc-odoo@nordlys.example",
                "ews_access": "delegate",
            }
        )
        wizard.invalidate_recordset(["script"])
        self.assertIn("Add-MailboxFolderPermission", wizard.script)
        self.assertIn("'anna@nordlys.example:\\Kalender'", wizard.script)
        self.assertIn("'anna@nordlys.example:\\Opgaver'", wizard.script)
        self.config.ews_access = "impersonation"
        wizard.invalidate_recordset(["script"])
        self.assertIn("ApplicationImpersonation", wizard.script)

    def test_add_users_and_default_folder_names(self):
        lars = new_test_user(
            self.env,
            login="lars.dk",
            name="Lars",
            email="lars@nordlys.example",
            company_id=self.company.id,
            company_ids=[self.company.id],
            lang="en_US",
        )
        self.config.action_add_users()
        mailbox = self.config.mailbox_ids.filtered(lambda m: m.user_id == lars)
        self.assertEqual(mailbox.email, "lars@nordlys.example")
        self.assertEqual(mailbox.calendar_folder_name, "Calendar")
