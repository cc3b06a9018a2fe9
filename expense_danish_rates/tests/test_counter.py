from datetime import date

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import DanishRatesCase


class CounterCase(DanishRatesCase):
    """Freja and Mads log in as plain employees of the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.year = fields.Date.today().year
        cls.freja_user = new_test_user(
            cls.env,
            "freja.counter",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.mads_user = new_test_user(
            cls.env,
            "mads.counter",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.employee.user_id = cls.freja_user
        cls.other_employee.user_id = cls.mads_user

    def day(self, month, day=1, year=None):
        return date(year or self.year, month, day)

    def my_counter(self, user=None):
        user = user or self.freja_user
        return (
            self.env["hr.expense"]
            .with_user(user)
            .with_context(allowed_company_ids=user.company_id.ids, lang=user.lang)
            .get_dk_mileage_counter()
        )


class TestCounter(CounterCase):
    def test_own_counter_after_edits_and_refusals(self):
        company = self.company.name
        self.assertEqual(
            self.my_counter()["text"],
            f"km driven this year for {company}: 0 of 20,000 at the higher rate",
        )
        first = self.trip(19000, self.day(1, 10))
        second = self.trip(800, self.day(1, 12))
        # Mads's km and bicycle km never count on Freja's counter.
        self.trip(5000, self.day(1, 11), employee=self.other_employee)
        self.trip(50, self.day(1, 11), product=self.bicycle)
        self.assertEqual(
            self.my_counter()["text"],
            f"km driven this year for {company}: 19,800 of 20,000 at the higher rate",
        )
        self.assertEqual(
            second.with_user(self.freja_user).dk_mileage_counter,
            f"km driven this year for {company}: 19,800 of 20,000 at the higher rate",
        )
        # Crossing the threshold: the km of the split line count once.
        crossing = self.trip(500, self.day(1, 20))
        self.assertTrue(crossing.mileage_split_child_ids)
        self.assertEqual(
            self.my_counter()["text"],
            f"km driven this year for {company}: 20,300, the first 20,000 at the "
            "higher rate and 300 at the lower rate",
        )
        # An edit is counted at once.
        second.mileage_km = 300
        self.assertEqual(self.my_counter()["km"], 19800)
        # A refused report no longer counts; reset, it counts again.
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": "January",
                "employee_id": self.employee.id,
                "expense_line_ids": [Command.set(first.ids)],
            }
        )
        sheet.action_submit_sheet()
        sheet._do_refuse("Private trip")
        self.assertEqual(self.my_counter()["km"], 800)
        self.assertIn(": 800 of 20,000", second.dk_mileage_counter)
        sheet.action_reset_expense_sheets()
        self.assertEqual(self.my_counter()["km"], 19800)
        # Deleting a trip frees its km.
        crossing.unlink()
        self.assertEqual(self.my_counter()["km"], 19300)

    def test_per_calendar_year_and_per_company(self):
        last_year = self.trip(15000, self.day(12, 30, self.year - 1))
        self.trip(1000, self.day(2, 1))
        self.assertEqual(self.my_counter()["km"], 1000)
        self.assertEqual(
            last_year.dk_mileage_counter,
            f"km driven in {self.year - 1} for {self.company.name}: 15,000 of "
            "20,000 at the higher rate",
        )
        # The same person employed by a second company has a counter there.
        other_company = self.env["res.company"].create(
            {"name": "Fjord Service A/S", "currency_id": self.dkk.id}
        )
        self.freja_user.company_ids = [Command.link(other_company.id)]
        other_employee = self.env["hr.employee"].create(
            {
                "name": "Freja Holm",
                "company_id": other_company.id,
                "user_id": self.freja_user.id,
            }
        )
        fjord_counter = (
            self.env["hr.expense"]
            .with_user(self.freja_user)
            .with_context(allowed_company_ids=other_company.ids)
        )
        # A company outside Denmark without Danish mileage shows no counter.
        self.assertFalse(fjord_counter.get_dk_mileage_counter())
        self.Expense.with_context(
            allowed_company_ids=[self.company.id, other_company.id]
        ).create(
            {
                "name": "Fjord trip",
                "employee_id": other_employee.id,
                "company_id": other_company.id,
                "product_id": self.car.id,
                "date": self.day(2, 2),
                "mileage_from": "Aarhus",
                "mileage_to": "Vejle",
                "dk_trip_purpose": "Service",
                "mileage_km": 4000,
            }
        )
        self.assertEqual(self.my_counter()["km"], 1000)
        counter = (
            self.env["hr.expense"]
            .with_user(self.freja_user)
            .with_context(allowed_company_ids=other_company.ids)
            .get_dk_mileage_counter()
        )
        self.assertEqual(
            counter["text"],
            "km driven this year for Fjord Service A/S: 4,000 of 20,000 at the "
            "higher rate",
        )

    def test_counter_in_danish_and_dutch(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["res.lang"]._activate_lang("nl_NL")
        self.env["ir.module.module"]._load_module_terms(
            ["expense_danish_rates"], ["da_DK", "nl_NL"], overwrite=True
        )
        self.trip(19800, self.day(3, 1))
        self.freja_user.lang = "da_DK"
        self.assertEqual(
            self.my_counter()["text"],
            f"Kørte km i år for {self.company.name}: 19.800 af 20.000 til den "
            "høje sats",
        )
        self.freja_user.lang = "nl_NL"
        self.assertEqual(
            self.my_counter()["text"],
            f"Gereden km dit jaar voor {self.company.name}: 19.800 van 20.000 "
            "tegen het hoge tarief",
        )

    def test_employee_reads_no_other_counter(self):
        mads_trip = self.trip(7000, self.day(3, 1), employee=self.other_employee)
        with self.assertRaises(AccessError):
            mads_trip.with_user(self.freja_user).read(["dk_mileage_counter"])
        with self.assertRaises(AccessError):
            self.other_employee.with_user(self.freja_user).read(
                ["dk_mileage_km_this_year"]
            )
        self.assertEqual(self.my_counter()["km"], 0)
        self.assertEqual(self.my_counter(self.mads_user)["km"], 7000)


@tagged("post_install", "-at_install")
class TestCounterOverJsonRpc(HttpCase, CounterCase):
    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_onchange_reveals_no_other_employees_km(self):
        """The form's onchange on an unsaved expense for a colleague."""
        self.trip(19800, self.day(1, 10))
        self.authenticate("mads.counter", "mads.counter")
        values = {
            "employee_id": self.employee.id,
            "product_id": self.car.id,
            "company_id": self.company.id,
            "date": str(self.day(6, 1)),
            "mileage_km": 1,
        }
        result = self.call(
            "hr.expense",
            "onchange",
            [],  # a new record: no ids
            values,
            ["employee_id"],
            {"dk_mileage_counter": {}, "mileage_km_before": {}, "employee_id": {}},
        )
        changed = result.get("value", {})
        self.assertFalse(changed.get("dk_mileage_counter"))
        self.assertFalse(changed.get("mileage_km_before"))
        # Freja herself still sees hers in the same form
        self.authenticate("freja.counter", "freja.counter")
        result = self.call(
            "hr.expense",
            "onchange",
            [],  # a new record: no ids
            values,
            ["employee_id"],
            {"dk_mileage_counter": {}, "employee_id": {}},
        )
        self.assertIn("19,800", result["value"]["dk_mileage_counter"])

    def test_employee_sees_only_their_own_km(self):
        self.trip(19800, self.day(1, 10))
        mads_trip = self.trip(7000, self.day(1, 11), employee=self.other_employee)
        self.authenticate("mads.counter", "mads.counter")
        counter = self.call("hr.expense", "get_dk_mileage_counter")
        self.assertEqual(counter["km"], 7000)
        self.assertIn("7,000 of 20,000", counter["text"])
        # Nothing reveals Freja's km to Mads.
        found = self.call(
            "hr.expense",
            "search_read",
            [("product_id.dk_expense_kind", "=", "car")],
            fields=["dk_mileage_counter", "employee_id"],
        )
        self.assertEqual([row["id"] for row in found], mads_trip.ids)
        for record, field in (
            (self.employee, "dk_mileage_km_this_year"),
            (mads_trip.search([("employee_id", "=", self.employee.id)]), "mileage_km"),
        ):
            with self.assertRaises(JsonRpcException) as caught:
                self.call(record._name, "read", record.ids, [field])
            self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        # A portal user has no employee: no counter at all.
        new_test_user(self.env, "portal.counter", groups="base.group_portal")
        self.authenticate("portal.counter", "portal.counter")
        self.assertFalse(self.call("hr.expense", "get_dk_mileage_counter"))

    def test_statement_download_is_its_owners_only(self):
        self.trip(1200, self.day(1, 10))
        statement = (
            self.env["hr.expense.dk.statement"]
            .with_user(self.freja_user)
            .create({"employee_id": self.employee.id, "year": self.year})
        )
        url = statement.action_export_xlsx()["url"]
        self.authenticate("freja.counter", "freja.counter")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content[:2], b"PK")  # an XLSX (zip) file
        self.authenticate("mads.counter", "mads.counter")
        response = self.url_open(url)
        self.assertIn(response.status_code, (403, 404))
        self.assertNotEqual(response.content[:2], b"PK")
        # Nor can Mads ask for Freja's statement over JSON-RPC.
        with self.assertRaises(JsonRpcException) as caught:
            self.call(
                "hr.expense.dk.statement",
                "create",
                {"employee_id": self.employee.id, "year": self.year},
            )
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
