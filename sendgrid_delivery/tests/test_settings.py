"""Settings: secrets for system administrators only, key validation."""

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import generate_key_pair


@tagged("post_install", "-at_install")
class TestSettings(TransactionCase):
    def test_api_key_is_system_admin_only(self):
        settings_admin = self.env["res.users"].create(
            {
                "name": "Erp Manager",
                "login": "erp.manager.sg",
                "groups_id": [(6, 0, [self.env.ref("base.group_erp_manager").id])],
            }
        )
        fields_for_manager = (
            self.env["res.config.settings"].with_user(settings_admin).fields_get()
        )
        self.assertNotIn("sendgrid_api_key", fields_for_manager)
        self.assertNotIn("sendgrid_verification_key", fields_for_manager)
        self.assertIn("sendgrid_api_key", self.env["res.config.settings"].fields_get())

    def test_use_sendgrid_needs_api_key(self):
        with self.assertRaises(UserError):
            self.env["res.config.settings"].create({"sendgrid_use": True}).execute()
        self.assertFalse(self.env["ir.mail_server"]._sendgrid_server())

    def test_verification_key_must_be_p256(self):
        with self.assertRaises(UserError):
            self.env["res.config.settings"].create(
                {"sendgrid_verification_key": "bm90IGEga2V5"}
            )
        _private, public = generate_key_pair()
        self.env["res.config.settings"].create(
            {"sendgrid_verification_key": public}
        ).execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "sendgrid_delivery.verification_key"
            ),
            public,
        )

    def test_tracking_defaults_and_switches(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.sendgrid_open_tracking)
        self.assertFalse(settings.sendgrid_click_tracking)
        settings.write(
            {"sendgrid_open_tracking": False, "sendgrid_click_tracking": True}
        )
        settings.execute()
        self.assertEqual(
            self.env["ir.mail_server"]._sendgrid_tracking_settings(),
            {"click_tracking": True, "open_tracking": False},
        )
        self.assertFalse(
            self.env["res.config.settings"].create({}).sendgrid_open_tracking
        )

    def test_webhook_url_shown(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.sendgrid_webhook_url.endswith("/sendgrid/events"))
