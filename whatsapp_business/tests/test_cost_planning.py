"""Cost you can plan (issue 18): prices per destination country and a monthly
budget per account that stops marketing templates once reached."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase
from odoo.tools import mute_logger

from .common import WhatsappCommon


class TestWhatsappCostPlanning(WhatsappCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        cls.Message = cls.env["whatsapp.message"]
        cls.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "False"
        )
        cls.nl = cls.env.ref("base.nl")
        # marketing: 0.5 everywhere (setup), 1.10 to the Netherlands
        cls.env["whatsapp.price"].create(
            {
                "account_id": cls.account.id,
                "category": "marketing",
                "country_id": cls.nl.id,
                "price": 1.10,
            }
        )
        cls.dutch = cls.env["res.partner"].create(
            {"name": "Joost", "mobile": "+31687654321"}
        )

    def priced(self, message, category="marketing"):
        message.write({"pricing_category": category, "is_billable": True})
        return message.estimated_cost

    def test_price_of_the_destination_country(self):
        to_nl = self.tmpl_marketing._send_to_partner(self.dutch)
        to_dk = self.tmpl_marketing._send_to_partner(self.customer)
        self.assertEqual(to_nl.country_id, self.nl)
        self.assertEqual(to_dk.country_id, self.env.ref("base.dk"))
        self.assertAlmostEqual(self.priced(to_nl), 1.10)
        self.assertAlmostEqual(self.priced(to_dk), 0.5, msg="the price without country")
        self.assertAlmostEqual(self.priced(to_nl, "utility"), 0.2)
        # the report: cost per category and country
        rows = self.Message._read_group(
            [("id", "in", (to_nl | to_dk).ids)],
            ["pricing_category", "country_id"],
            ["estimated_cost:sum"],
        )
        self.assertEqual(
            {(cat, country.code): round(cost, 2) for cat, country, cost in rows},
            {("utility", "NL"): 0.2, ("marketing", "DK"): 0.5},
        )

    def test_one_price_per_category_and_country(self):
        with self.assertRaises(ValidationError):
            self.env["whatsapp.price"].create(
                {"account_id": self.account.id, "category": "marketing", "price": 1}
            )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env["whatsapp.price"].create(
                    {
                        "account_id": self.account.id,
                        "category": "marketing",
                        "country_id": self.nl.id,
                        "price": 2,
                    }
                )

    def test_budget_blocks_further_marketing_templates(self):
        self.account.monthly_budget = 1.0
        # two marketing templates to Denmark, not priced by Meta yet: 2 × 0.5
        self.tmpl_marketing.with_user(self.agent)._send_to_partner(
            self.customer, body_values={1: "Jens", 2: "10%"}
        )
        self.tmpl_marketing._send_to_partner(self.customer)
        self.assertAlmostEqual(self.account.month_cost, 1.0)
        count = self.Message.search_count([])
        with self.assertRaisesRegex(UserError, "monthly WhatsApp budget"):
            self.tmpl_marketing.with_user(self.agent)._send_to_partner(
                self.customer, body_values={1: "Jens", 2: "10%"}
            )
        self.assertEqual(self.Message.search_count([]), count, "nothing queued")
        # utility templates are not marketing: still sent
        self.tmpl_utility._send_to_partner(
            self.customer, header_values={1: "SO1"}, body_values={1: "J", 2: "1.1"}
        )
        # a WhatsApp administrator raises the budget
        self.account.with_user(self.wa_manager).monthly_budget = 5.0
        self.tmpl_marketing._send_to_partner(self.customer)

    def test_queue_stops_at_the_budget(self):
        first = self.tmpl_marketing._send_to_partner(self.dutch)
        second = self.tmpl_marketing._send_to_partner(self.dutch)
        self.account.monthly_budget = 1.0  # set after both were queued
        self.run_queue()
        self.assertEqual(first.state, "sent")
        self.assertEqual(second.state, "failed")
        self.assertIn("monthly WhatsApp budget", second.failure_reason)
        self.assertEqual(
            [body["template"]["name"] for body in self.fake.sent], ["spring_offer"]
        )

    def test_no_budget_no_limit(self):
        self.assertFalse(self.account.monthly_budget)
        for _index in range(3):
            self.tmpl_marketing._send_to_partner(self.dutch)
        self.run_queue()
        self.assertEqual(len(self.fake.sent), 3)

    def test_who_may_set_budget_and_prices(self):
        for user in (self.portal, self.employee, self.salesperson, self.agent):
            with self.assertRaises(AccessError, msg=user.login):
                self.account.with_user(user).write({"monthly_budget": 0})
            with self.assertRaises(AccessError, msg=user.login):
                self.env["whatsapp.price"].with_user(user).create(
                    {
                        "account_id": self.account.id,
                        "category": "utility",
                        "country_id": self.nl.id,
                        "price": 0,
                    }
                )
        self.account.with_user(self.sysadmin).monthly_budget = 3.0
        # the team sees the budget and what was spent
        account = self.account.with_user(self.agent)
        self.assertEqual(account.monthly_budget, 3.0)
        self.assertEqual(account.month_cost, 0.0)
