from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user

from .common import DanishRatesCase


class SkatRulesCase(DanishRatesCase):
    def per_diem(self, start, days=2, destination="Esbjerg Havn", **values):
        departure = self.copenhagen(start.year, start.month, start.day, 8)
        return self.env["hr.expense.dk.per.diem.wizard"]._create_expenses_from_trip(
            {
                "employee_id": self.employee.id,
                "company_id": self.company.id,
                "departure": departure,
                "return_datetime": departure + timedelta(days=days, hours=6),
                "destination": destination,
                "purpose": "Installation",
                "lodging_mode": "standard",
                **values,
            }
        )

    def warnings(self, records):
        records.invalidate_recordset(["dk_skat_warnings"])
        return "\n".join(r.dk_skat_warnings or "" for r in records).strip()

    def report(self, expenses, name="Report"):
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": name,
                "employee_id": self.employee.id,
                "expense_line_ids": [Command.set(expenses.ids)],
            }
        )
        sheet.action_submit_sheet()
        return sheet


class TestSkatRules(SkatRulesCase):
    def test_twelve_month_rule_names_the_trips(self):
        trips = self.env["hr.expense"]
        for month in range(0, 16, 2):  # every two months, Jan 2025 to Mar 2026
            start = date(2025, 1, 6) + timedelta(days=30 * month)
            trips |= self.per_diem(start)
        first, last = trips[:2], trips[-2:]
        self.assertFalse(self.warnings(first))
        self.assertEqual(last.mapped("dk_trip_departure")[0].year, 2026)
        text = self.warnings(last[0])
        self.assertIn("12-month rule: Esbjerg Havn", text)
        self.assertIn("since 01/06/2025", text)
        self.assertIn(first[0].name, text)
        # Another workplace, or a refused trip, does not count.
        odense = self.per_diem(date(2026, 3, 16), destination="Odense")
        self.assertFalse(self.warnings(odense))
        sheet = self.report(trips[:-2])
        sheet._do_refuse("Wrong workplace")
        self.assertFalse(self.warnings(last))

    def test_sixty_day_rule(self):
        vals = [
            {
                "name": f"Site visit {n}",
                "employee_id": self.employee.id,
                "product_id": self.bicycle.id,
                "date": date(2026, 1, 1) + timedelta(days=n),
                "mileage_from": "Home",
                "mileage_to": "Byggeplads Skejby",
                "dk_trip_purpose": "Site work",
                "mileage_km": 10,
            }
            for n in range(61)
        ]
        drives = self.Expense.create(vals)
        self.assertFalse(self.warnings(drives[59]))
        text = self.warnings(drives[60])
        self.assertIn("60-day rule: driving to Byggeplads Skejby on 61 days", text)
        self.assertIn("Site visit 0 (01/01/2026)", text)
        self.assertIn("and 51 more", text)
        # Two trips the same day are one day; another destination is apart.
        drives[60].date = drives[59].date
        self.assertFalse(self.warnings(drives))
        drives[60].date = date(2026, 3, 10)
        drives[59].mileage_to = "Aarhus Havn"
        self.assertFalse(self.warnings(drives))

    def test_missing_purpose_or_route(self):
        trip = self.trip(100, date(2026, 3, 3), dk_trip_purpose=False, mileage_to=" ")
        text = self.warnings(trip)
        self.assertIn("Missing purpose or route", text)
        self.assertIn("Business Purpose, To", text)
        trip.write({"dk_trip_purpose": "Customer visit", "mileage_to": "Odense"})
        self.assertFalse(self.warnings(trip))
        per_diem = self.per_diem(date(2026, 3, 9), purpose="")
        self.assertIn("has no Business Purpose", self.warnings(per_diem[0]))

    def test_km_above_the_rate_of_the_day(self):
        trip = self.trip(100, date(2026, 3, 3))
        self.assertAlmostEqual(trip.total_amount_currency, 394.0)
        self.assertFalse(self.warnings(trip))
        # Written by hand (an import or JSON-RPC): 4.50 per km instead of 3.94.
        trip.with_context(dk_mileage_recompute=True).mileage_unit_rate = 4.50
        self.assertAlmostEqual(trip.total_amount_currency, 450.0)
        text = self.warnings(trip)
        self.assertIn("Above the rate", text)
        self.assertIn("the rate valid on 03/03/2026 is 3.94 per km", text)
        # Paying for more km than driven is above the rate too.
        trip.with_context(dk_mileage_recompute=True).write(
            {"mileage_unit_rate": 3.94, "quantity": 120}
        )
        self.assertIn("for 120.00 km of the 100.00 km driven", self.warnings(trip))

    def test_warnings_reach_the_report_and_the_approval_dialog(self):
        good = self.trip(100, date(2026, 3, 3))
        bad = self.trip(50, date(2026, 3, 4), dk_trip_purpose=False)
        sheet = self.report(good | bad)
        self.assertIn("Missing purpose or route", sheet.dk_skat_warnings)
        self.assertIn(bad.name, sheet.dk_skat_warnings)
        action = sheet.action_approve_expense_sheets()
        self.assertEqual(action["res_model"], "hr.expense.dk.approval.wizard")
        self.assertEqual(sheet.state, "submit")
        wizard = Form(
            self.env[action["res_model"]].with_context(**action["context"])
        ).save()
        self.assertIn("Missing purpose or route", wizard.dk_skat_warnings)
        self.assertIn(sheet.name, wizard.dk_skat_warnings)

    def test_no_dialog_for_someone_who_cannot_approve(self):
        bad = self.trip(50, date(2026, 3, 4), dk_trip_purpose=False)
        sheet = self.report(bad)
        employee_user = new_test_user(
            self.env,
            "plain.rules",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.employee.user_id = employee_user
        with self.assertRaises(UserError):
            sheet.with_user(employee_user).action_approve_expense_sheets()
