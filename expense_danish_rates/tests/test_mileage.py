from datetime import date

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form

from .common import DanishRatesCase


class TestMileage(DanishRatesCase):
    def lines(self, trip):
        """(km, rate, amount) of a trip and its line above the threshold."""
        records = trip | trip.mileage_split_child_ids
        return [(r.quantity, r.price_unit, r.total_amount_currency) for r in records]

    def test_threshold_crossed_inside_one_expense_2024(self):
        earlier = self.trip(19800, date(2024, 3, 1))
        self.assertEqual(self.lines(earlier), [(19800.0, 3.79, 75042.0)])
        crossing = self.trip(500, date(2024, 11, 12))
        self.assertEqual(
            self.lines(crossing), [(200.0, 3.79, 758.0), (300.0, 2.23, 669.0)]
        )
        child = crossing.mileage_split_child_ids
        self.assertEqual(child.mileage_band, "above_threshold")
        self.assertEqual(child.mileage_split_parent_id, crossing)
        self.assertEqual(child.employee_id, self.employee)
        self.assertEqual(child.mileage_to, "Odense")
        self.assertIn("above 20,000 km", child.name)
        self.assertAlmostEqual(
            crossing.total_amount_currency + child.total_amount_currency, 1427.00
        )
        self.assertIn("19,800 km", crossing.dk_calculation)
        self.assertIn("200 km × 3.79", crossing.dk_calculation)
        self.assertIn("300 km × 2.23", crossing.dk_calculation)
        # The next trip is entirely above the threshold.
        later = self.trip(100, date(2024, 12, 1))
        self.assertEqual(self.lines(later), [(100.0, 2.23, 223.0)])

    def test_may_2022_rate_change(self):
        april = self.trip(100, date(2022, 4, 30))
        may = self.trip(100, date(2022, 5, 2))
        self.assertAlmostEqual(april.total_amount_currency, 351.00)
        self.assertAlmostEqual(may.total_amount_currency, 370.00)
        self.assertEqual(
            april.mileage_rate_id,
            self.env.ref("expense_danish_rates.dk_mileage_rate_2022_01"),
        )
        self.assertEqual(
            may.mileage_rate_id,
            self.env.ref("expense_danish_rates.dk_mileage_rate_2022_05"),
        )

    def test_bicycle_2026_in_the_form(self):
        form = Form(self.Expense)
        form.product_id = self.bicycle
        form.employee_id = self.employee
        form.date = date(2026, 3, 3)
        form.mileage_from = "Nordlys ApS, Aarhus C"
        form.mileage_to = "Customer, Aarhus N"
        form.dk_trip_purpose = "Service visit"
        form.mileage_km = 42
        self.assertEqual(form.mileage_vehicle, "bicycle")
        self.assertEqual(form.quantity, 42)
        self.assertAlmostEqual(form.price_unit, 0.64)
        self.assertAlmostEqual(form.total_amount_currency, 26.88)
        expense = form.save()
        self.assertAlmostEqual(expense.total_amount_currency, 26.88)
        self.assertEqual(expense.currency_id, self.dkk)
        self.assertFalse(expense.mileage_split_child_ids)

    def test_form_previews_the_split_and_save_creates_the_second_line(self):
        self.trip(19800, date(2024, 3, 1))
        form = Form(self.Expense)
        form.product_id = self.car
        form.employee_id = self.employee
        form.date = date(2024, 11, 12)
        form.mileage_from = "Aarhus"
        form.mileage_to = "Hamburg"
        form.dk_trip_purpose = "Trade fair"
        form.mileage_km = 500
        self.assertEqual(form.mileage_km_before, 19800)
        self.assertEqual(form.quantity, 200)
        self.assertAlmostEqual(form.total_amount_currency, 758.00)
        self.assertIn("two lines", form.dk_calculation)
        expense = form.save()
        self.assertEqual(
            self.lines(expense), [(200.0, 3.79, 758.0), (300.0, 2.23, 669.0)]
        )

    def test_editing_an_earlier_expense_recomputes_later_ones(self):
        earlier = self.trip(19800, date(2024, 3, 1))
        crossing = self.trip(500, date(2024, 11, 12))
        later = self.trip(100, date(2024, 12, 1))
        earlier.mileage_km = 19000
        self.assertEqual(self.lines(crossing), [(500.0, 3.79, 1895.0)])
        self.assertFalse(crossing.mileage_split_child_ids.exists())
        self.assertEqual(self.lines(later), [(100.0, 3.79, 379.0)])
        earlier.mileage_km = 20000
        self.assertEqual(self.lines(crossing), [(500.0, 2.23, 1115.0)])
        self.assertEqual(crossing.mileage_band, "above_threshold")
        # Moving the earlier trip into 2025 frees the 2024 counter.
        earlier.date = date(2025, 1, 5)
        self.assertEqual(self.lines(crossing), [(500.0, 3.79, 1895.0)])
        self.assertAlmostEqual(earlier.price_unit, 3.81)
        # Editing a later trip back before another reorders the year.
        earlier.date = date(2024, 11, 20)
        self.assertEqual(self.lines(crossing), [(500.0, 3.79, 1895.0)])
        self.assertEqual(
            self.lines(earlier), [(19500.0, 3.79, 73905.0), (500.0, 2.23, 1115.0)]
        )
        self.assertEqual(self.lines(later), [(100.0, 2.23, 223.0)])
        self.assertTrue(
            crossing.message_ids.filtered(lambda m: "recalculated" in (m.body or ""))
        )

    def test_refusing_an_earlier_expense_recomputes_later_ones(self):
        earlier = self.trip(19800, date(2024, 3, 1))
        crossing = self.trip(500, date(2024, 11, 12))
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": "March driving",
                "employee_id": self.employee.id,
                "expense_line_ids": [(6, 0, earlier.ids)],
            }
        )
        sheet.action_submit_sheet()
        refuse = (
            self.env["hr.expense.refuse.wizard"]
            .with_context(active_model="hr.expense.sheet", active_ids=sheet.ids)
            .create({"reason": "Private trip"})
        )
        refuse.action_refuse()
        self.assertEqual(earlier.state, "refused")
        self.assertEqual(self.lines(crossing), [(500.0, 3.79, 1895.0)])
        self.assertFalse(crossing.mileage_split_child_ids)
        sheet.action_reset_expense_sheets()
        self.assertEqual(
            self.lines(crossing), [(200.0, 3.79, 758.0), (300.0, 2.23, 669.0)]
        )
        # Refused again, then the refused report is deleted: the trip counts again.
        sheet.action_submit_sheet()
        sheet._do_refuse("Private trip")
        self.assertEqual(self.lines(crossing), [(500.0, 3.79, 1895.0)])
        sheet.unlink()
        self.assertEqual(earlier.state, "draft")
        self.assertEqual(
            self.lines(crossing), [(200.0, 3.79, 758.0), (300.0, 2.23, 669.0)]
        )

    def test_split_line_follows_the_trip_into_its_report(self):
        self.trip(19800, date(2024, 3, 1))
        crossing = self.trip(500, date(2024, 11, 12))
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": "November",
                "employee_id": self.employee.id,
                "expense_line_ids": [(6, 0, crossing.ids)],
            }
        )
        self.assertEqual(crossing.mileage_split_child_ids.sheet_id, sheet)
        self.assertAlmostEqual(sheet.total_amount, 1427.00)

    def test_counter_is_per_employee_and_per_year(self):
        self.trip(19800, date(2024, 3, 1))
        other = self.trip(500, date(2024, 11, 12), employee=self.other_employee)
        self.assertEqual(self.lines(other), [(500.0, 3.79, 1895.0)])
        next_year = self.trip(500, date(2025, 1, 2))
        self.assertEqual(self.lines(next_year), [(500.0, 3.81, 1905.0)])
        # Bicycle km never move the car counter.
        self.trip(30000, date(2024, 4, 1), product=self.bicycle)
        after_bike = self.trip(100, date(2024, 5, 1))
        self.assertEqual(self.lines(after_bike), [(100.0, 3.79, 379.0)])

    def test_deleting_trips(self):
        self.trip(19800, date(2024, 3, 1))
        crossing = self.trip(500, date(2024, 11, 12))
        later = self.trip(100, date(2024, 12, 1))
        child = crossing.mileage_split_child_ids
        with self.assertRaises(UserError):
            child.unlink()
        crossing.unlink()
        self.assertFalse(child.exists())
        self.assertEqual(self.lines(later), [(100.0, 3.79, 379.0)])

    def test_missing_rate_is_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(UserError, "No Danish mileage rate"):
            self.trip(10, date(2017, 6, 1))

    def test_employee_shows_km_driven_this_year(self):
        today = fields.Date.context_today(self.employee)
        if not self.env["hr.expense.dk.mileage.rate"].search_count(
            [("date_from", "<=", today), ("date_to", ">=", today)]
        ):
            self.env["hr.expense.dk.mileage.rate"].create(
                {
                    "date_from": date(today.year, 1, 1),
                    "date_to": date(today.year, 12, 31),
                    "car_rate_up_to_threshold": 3.94,
                    "car_rate_above_threshold": 2.28,
                    "bicycle_rate": 0.64,
                }
            )
        self.trip(120, date(today.year, 1, 1))
        self.trip(80, today)
        self.trip(15, today, product=self.bicycle)
        self.trip(999, date(today.year - 1, 12, 31))
        self.employee.invalidate_recordset(["dk_mileage_km_this_year"])
        self.assertEqual(self.employee.dk_mileage_km_this_year, 200)
        action = self.employee.action_open_dk_mileage_expenses()
        self.assertEqual(self.Expense.search_count(action["domain"]), 3)

    def test_changing_the_category_of_a_crossing_trip_removes_its_split(self):
        self.trip(19800, date(2024, 3, 1))
        crossing = self.trip(500, date(2024, 11, 12))
        later = self.trip(100, date(2024, 12, 1))
        child = crossing.mileage_split_child_ids
        meals = self.env.ref("hr_expense.expense_product_meal")
        crossing.write({"product_id": meals.id, "total_amount_currency": 250.0})
        self.assertFalse(child.exists())
        self.assertFalse(crossing.mileage_rate_id)
        self.assertAlmostEqual(crossing.total_amount_currency, 250.0)
        # The 500 km no longer count: the later trip falls below the threshold.
        self.assertEqual(self.lines(later), [(100.0, 3.79, 379.0)])

    def test_moving_a_trip_moves_its_line_above_the_threshold(self):
        self.trip(19800, date(2024, 3, 1))
        crossing = self.trip(500, date(2024, 11, 12))
        crossing.date = date(2024, 11, 14)
        self.assertEqual(crossing.mileage_split_child_ids.date, date(2024, 11, 14))

    def test_mileage_is_in_dkk_in_a_company_with_another_currency(self):
        company = self.env["res.company"].create(
            {"name": "Nordlys GmbH (test)", "currency_id": self.env.ref("base.EUR").id}
        )
        self.env.user.company_ids = [(4, company.id)]
        employee = self.env["hr.employee"].create(
            {"name": "Jonas Lund", "company_id": company.id}
        )
        expense = (
            self.Expense.with_company(company)
            .with_context(allowed_company_ids=[company.id])
            .create(
                {
                    "name": "Flensburg",
                    "employee_id": employee.id,
                    "product_id": self.car.id,
                    "date": date(2024, 5, 2),
                    "mileage_km": 100,
                }
            )
        )
        self.assertEqual(expense.currency_id, self.dkk)
        self.assertAlmostEqual(expense.total_amount_currency, 379.0)
        self.assertEqual(expense.company_id, company)

    def test_form_warns_when_no_rate_covers_the_date(self):
        form = Form(self.Expense)
        form.product_id = self.car
        form.employee_id = self.employee
        form.mileage_km = 10
        with self.assertLogs("odoo.tests.form", level="WARNING"):
            form.date = date(2017, 6, 1)
        self.assertEqual(form.mileage_unit_rate, 0.0)

    def test_approved_trips_keep_their_amounts_but_count(self):
        earlier = self.trip(19800, date(2024, 3, 1))
        crossing = self.trip(500, date(2024, 11, 12))
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": "November",
                "employee_id": self.employee.id,
                "expense_line_ids": [(6, 0, crossing.ids)],
            }
        )
        # Approval without accounting entries (no journal in this test company).
        sheet.sudo().approval_state = "approve"
        self.assertEqual(crossing.state, "approved")
        earlier.mileage_km = 10000
        self.assertEqual(
            self.lines(crossing), [(200.0, 3.79, 758.0), (300.0, 2.23, 669.0)]
        )
        # A later trip counts the approved 500 km: 10,000 + 500 + 100.
        later = self.trip(100, date(2024, 12, 1))
        self.assertEqual(later.mileage_km_before, 10500)
        self.assertEqual(self.lines(later), [(100.0, 3.79, 379.0)])


class TestMileageAsEmployee(DanishRatesCase):
    def test_employee_without_expense_rights_records_trips_and_per_diem(self):
        user = self.env["res.users"].create(
            {
                "name": "Ida Skov",
                "login": "ida.skov@nordlys.example",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
                "tz": "Europe/Copenhagen",
            }
        )
        employee = self.env["hr.employee"].create(
            {
                "name": "Ida Skov",
                "user_id": user.id,
                "company_id": self.company.id,
                "tz": "Europe/Copenhagen",
            }
        )
        env = self.env(user=user)
        Expense = env["hr.expense"]
        Expense.create(
            {
                "name": "Spring",
                "employee_id": employee.id,
                "product_id": self.car.id,
                "date": date(2025, 4, 1),
                "mileage_km": 19900,
            }
        )
        crossing = Expense.create(
            {
                "name": "Aalborg",
                "employee_id": employee.id,
                "product_id": self.car.id,
                "date": date(2025, 6, 1),
                "mileage_km": 300,
            }
        )
        self.assertEqual(
            [
                (r.quantity, r.price_unit)
                for r in crossing | crossing.mileage_split_child_ids
            ],
            [(100.0, 3.81), (200.0, 2.23)],
        )
        wizard = env["hr.expense.dk.per.diem.wizard"].create(
            {
                "departure": self.copenhagen(2025, 9, 1, 8, 0, summer=True),
                "return_datetime": self.copenhagen(2025, 9, 2, 10, 0, summer=True),
                "destination": "Aalborg",
                "purpose": "Training",
            }
        )
        self.assertEqual(wizard.employee_id, employee)
        action = wizard.action_create_expenses()
        expenses = Expense.search(action["domain"])
        # 597.00 + 2 × 24.88 food, 256.00 lodging
        self.assertEqual(
            sorted(expenses.mapped("total_amount_currency")), [256.0, 646.76]
        )
        self.assertEqual(len(expenses.attachment_ids), 2)


class TestAllowancesCarryNoVat(DanishRatesCase):
    def test_no_vat_on_allowances_even_if_the_category_has_a_tax(self):
        for product in (self.car, self.bicycle, self.food, self.lodging):
            self.assertFalse(product.supplier_taxes_id, product.name)
        group = self.env["account.tax.group"].create(
            {
                "name": "Moms",
                "company_id": self.company.id,
                "country_id": self.env.ref("base.dk").id,
            }
        )
        tax = self.env["account.tax"].create(
            {
                "name": "Købsmoms 25 %",
                "tax_group_id": group.id,
                "country_id": self.env.ref("base.dk").id,
                "amount": 25,
                "type_tax_use": "purchase",
                "company_id": self.company.id,
            }
        )
        self.car.supplier_taxes_id = [(4, tax.id)]
        trip = self.trip(100, date(2024, 5, 2))
        self.assertFalse(trip.tax_ids)
        self.assertEqual(trip.tax_amount_currency, 0.0)
        self.assertAlmostEqual(trip.total_amount_currency, 379.0)


class TestRateCorrection(DanishRatesCase):
    def test_correcting_a_rate_reprices_open_trips_only(self):
        rate = self.env.ref("expense_danish_rates.dk_mileage_rate_2026_01")
        open_trip = self.trip(42, date(2026, 3, 3), product=self.bicycle)
        approved = self.trip(100, date(2026, 3, 4), product=self.bicycle)
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": "March",
                "employee_id": self.employee.id,
                "expense_line_ids": [(6, 0, approved.ids)],
            }
        )
        sheet.sudo().approval_state = "approve"
        other_year = self.trip(42, date(2025, 3, 3), product=self.bicycle)
        rate.bicycle_rate = 0.66
        self.assertAlmostEqual(open_trip.total_amount_currency, 27.72)
        self.assertAlmostEqual(approved.total_amount_currency, 64.0)
        self.assertAlmostEqual(other_year.total_amount_currency, 26.46)
