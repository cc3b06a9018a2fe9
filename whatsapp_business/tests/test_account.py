from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.meta_graph import meta_error

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase

from .common import WhatsappCommon


class TestWhatsappAccount(WhatsappCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()

    def test_test_connection_fills_number(self):
        self.account.action_test_connection()
        self.assertEqual(self.account.display_phone_number, "+45 70 20 30 40")
        self.assertEqual(self.account.verified_name, "Nordlys ApS")

    def test_test_connection_shows_meta_reason(self):
        self.account.access_token = "expired"
        with self.assertRaisesRegex(UserError, "Invalid OAuth access token"):
            self.account.action_test_connection()

    def test_sync_creates_templates_of_each_category(self):
        templates = self.account.template_ids
        self.assertEqual(len(templates), 5)
        self.assertEqual(
            set(templates.mapped("category")),
            {"marketing", "utility", "authentication"},
        )
        self.assertEqual(self.tmpl_pending.status, "pending")
        utility = self.tmpl_utility
        self.assertEqual(utility.header_text, "Ordre {{1}}")
        self.assertEqual(utility.footer, "Nordlys ApS")
        self.assertEqual(utility.button_ids.button_type, "url")
        self.assertEqual(
            [(v.component, v.placeholder) for v in utility.variable_ids],
            [("header", 1), ("button", 1), ("body", 1), ("body", 2)],
        )
        # the greeting defaults to the contact's name, the rest to Meta's example
        body_1 = utility.variable_ids.filtered(
            lambda v: v.component == "body" and v.placeholder == 1
        )
        self.assertEqual(body_1.field_id.name, "name")
        body_2 = utility.variable_ids.filtered(
            lambda v: v.component == "body" and v.placeholder == 2
        )
        self.assertEqual(body_2.fixed_text, "12.06")

    def test_resync_keeps_mappings_and_marks_removed(self):
        body_2 = self.tmpl_utility.variable_ids.filtered(
            lambda v: v.component == "body" and v.placeholder == 2
        )
        body_2.write(
            {
                "field_type": "field",
                "field_id": self.env.ref("base.field_res_partner__city").id,
            }
        )
        self.fake.templates[0]["status"] = "PAUSED"
        removed = self.fake.templates.pop()  # rejected_promo
        self.account.action_sync_templates()
        self.assertEqual(self.tmpl_utility.status, "paused")
        self.assertEqual(body_2.field_id.name, "city")
        gone = self.account.with_context(active_test=False).template_ids.filtered(
            lambda t: t.meta_id == removed["id"]
        )
        self.assertEqual(gone.status, "deleted")
        self.assertEqual(len(self.account.template_ids), 5)

    def test_sync_failure_is_reported(self):
        self.fake.queue(
            "GET", self.fake.templates_path, Reply(500, meta_error(2, "Unavailable"))
        )
        with self.assertRaisesRegex(UserError, "Unavailable"):
            self.account.action_sync_templates()

    def test_secrets_only_for_system_administrators(self):
        account = self.account.with_user(self.agent)
        self.assertEqual(account.name, "Test number")
        with self.assertRaises(AccessError):
            account.read(["access_token"])
        with self.assertRaises(AccessError):
            account.read(["app_secret"])
        with self.assertRaises(AccessError):
            account.write({"name": "Hijacked"})

    def test_new_account_gets_price_table(self):
        account = self.env["whatsapp.account"].create(
            {
                "name": "Second",
                "phone_number_id": "555",
                "business_account_id": "666",
            }
        )
        self.assertIn("marketing", account.price_ids.mapped("category"))
        self.assertIn("utility", account.price_ids.mapped("category"))
