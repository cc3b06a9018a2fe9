import base64
import io
from datetime import date, timedelta

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import DanishRatesCase

REPORT = "expense_danish_rates.hr_expense_dk_statement_report"


# post_install: the chart of accounts loads with the whole registry.
@tagged("post_install", "-at_install")
class TestStatement(DanishRatesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )

        def user(login, groups):
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )

        cls.freja_user = user("freja.statement", "base.group_user")
        cls.mads_user = user("mads.statement", "base.group_user")
        cls.approver = user(
            "approver.statement", "hr_expense.group_hr_expense_team_approver"
        )
        cls.hr_manager = user("hr.statement", "hr.group_hr_manager")
        cls.employee.user_id = cls.freja_user
        cls.other_employee.user_id = cls.mads_user

    def post(self, expenses):
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": f"Report {expenses[:1].name}",
                "employee_id": expenses[:1].employee_id.id,
                "expense_line_ids": [Command.set(expenses.ids)],
            }
        )
        sheet.action_submit_sheet()
        sheet.with_context(
            dk_skat_warnings_confirmed=True
        ).action_approve_expense_sheets()
        sheet.action_sheet_move_post()
        self.assertEqual(sheet.state, "post")
        return sheet

    def per_diem(self, day, days=2, destination="Esbjerg Havn"):
        departure = self.copenhagen(day.year, day.month, day.day, 7, 30)
        return self.env["hr.expense.dk.per.diem.wizard"]._create_expenses_from_trip(
            {
                "employee_id": self.employee.id,
                "company_id": self.company.id,
                "departure": departure,
                "return_datetime": departure + timedelta(days=days, hours=7),
                "destination": destination,
                "purpose": "Installation af styring",
                "lodging_mode": "standard",
            },
            {(day + timedelta(days=1)).isoformat(): ["breakfast", "lunch"]},
        )

    def statement(self, user=None, employee=None, year=2026):
        return (
            self.env["hr.expense.dk.statement"]
            .with_user(user or self.freja_user)
            .with_context(lang=(user or self.freja_user).lang)
            .create({"employee_id": (employee or self.employee).id, "year": year})
        )

    def story(self):
        """Freja's 2026: a per diem trip, the Hamburg split, a bicycle ride
        (posted); one trip still in draft and one of 2025 (posted)."""
        trip = self.per_diem(date(2026, 3, 9))
        earlier = self.trip(19800, date(2026, 10, 31), mileage_to="Kunder i Jylland")
        hamburg = self.trip(500, date(2026, 11, 12), mileage_to="Messe Hamburg")
        bicycle = self.trip(42, date(2026, 3, 3), product=self.bicycle)
        self.trip(100, date(2026, 12, 1), mileage_to="Draft, not posted")
        old = self.trip(300, date(2025, 6, 1), mileage_to="Last year")
        posted = trip | earlier | hamburg | hamburg.mileage_split_child_ids | bicycle
        sheets = self.post(posted) | self.post(old)
        return posted, sheets

    def test_totals_match_the_posted_expenses(self):
        posted, sheets = self.story()
        data = self.statement()._dk_statement_data()
        self.assertEqual(len(data["trips"]), 1)
        trip = data["trips"][0]
        self.assertEqual(trip["destination"], "Esbjerg Havn")
        self.assertEqual(trip["purpose"], "Installation af styring")
        food = posted.filtered(lambda e: e.dk_expense_kind == "food")
        lodging = posted.filtered(lambda e: e.dk_expense_kind == "lodging")
        self.assertAlmostEqual(trip["food"], food.total_amount_currency)
        self.assertAlmostEqual(trip["lodging"], lodging.total_amount_currency)
        self.assertIn("625.00", trip["breakdown"])
        self.assertEqual(
            [(row["to"], row["km"], row["rate"]) for row in data["mileage"]],
            [
                ("Odense", 42.0, 0.64),
                ("Kunder i Jylland", 19800.0, 3.94),
                ("Messe Hamburg", 200.0, 3.94),
                ("Messe Hamburg", 300.0, 2.28),
            ],
        )
        self.assertEqual(data["mileage"][0]["from"], "Aarhus")
        self.assertEqual(data["mileage"][0]["purpose"], "Customer visit")
        totals = data["totals"]
        self.assertAlmostEqual(totals["km"], 20342.0)
        self.assertAlmostEqual(totals["mileage"], 26.88 + 78012.0 + 788.0 + 684.0)
        sheet_2026 = sheets[0]
        self.assertAlmostEqual(totals["total"], sheet_2026.total_amount)
        self.assertAlmostEqual(
            totals["total"], sum(sheet_2026.account_move_ids.mapped("amount_total"))
        )

    def test_pdf_and_xlsx(self):
        self.story()
        statement = self.statement()
        action = statement.action_print_pdf()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_type"], "qweb-pdf")
        self.assertEqual(
            action["report_name"], "expense_danish_rates.report_dk_year_statement"
        )
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.freja_user)
            ._render_qweb_html(REPORT, statement.ids)
        )
        html = html.decode()
        self.assertIn("Esbjerg Havn", html)
        self.assertIn("Messe Hamburg", html)
        self.assertIn("Freja Holm", html)
        self.assertNotIn("Draft, not posted", html)
        self.assertNotIn("Last year", html)
        self.assertIn("79,510.88", html)  # mileage total
        action = statement.action_export_xlsx()
        self.assertIn(
            f"/web/content/hr.expense.dk.statement/{statement.id}/xlsx_file/",
            action["url"],
        )
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(statement.xlsx_file)))
        per_diem, mileage = book.worksheets
        self.assertEqual(per_diem["C4"].value, "Esbjerg Havn")
        rows = list(mileage.iter_rows(min_row=4, values_only=True))
        self.assertEqual(rows[1][2], "Kunder i Jylland")
        self.assertEqual(rows[1][5:8], (19800, 3.94, 78012))
        self.assertAlmostEqual(rows[4][7], 79510.88)

    def test_danish_and_dutch_labels(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["res.lang"]._activate_lang("nl_NL")
        self.env["ir.module.module"]._load_module_terms(
            ["expense_danish_rates"], ["da_DK", "nl_NL"], overwrite=True
        )
        self.story()
        for lang, labels in (
            ("da_DK", ["Skattefri godtgørelser", "Kørselsgodtgørelse", "Afrejse"]),
            (
                "nl_NL",
                ["Belastingvrije vergoedingen", "Kilometervergoeding", "Vertrek"],
            ),
        ):
            self.freja_user.lang = lang
            statement = self.statement()
            html, _kind = (
                self.env["ir.actions.report"]
                .with_user(self.freja_user)
                .with_context(lang=lang)
                ._render_qweb_html(REPORT, statement.ids)
            )
            for label in labels:
                self.assertIn(label, html.decode())

    def test_who_may_see_a_statement(self):
        self.story()
        # The employee for themselves only.
        with self.assertRaises(AccessError):
            self.statement(self.mads_user, employee=self.employee)
        with self.assertRaises(AccessError):
            self.statement(self.approver, employee=self.employee)
        own = self.statement(self.mads_user, employee=self.other_employee)
        with self.assertRaises(AccessError):
            own.write({"employee_id": self.employee.id})
        # Nobody reads another user's statement record or renders it.
        freja_statement = self.statement()
        with self.assertRaises(AccessError):
            freja_statement.with_user(self.mads_user).read(["year"])
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.mads_user)._render_qweb_html(
                REPORT, freja_statement.ids
            )
        # HR and expense managers for everyone.
        for manager in (self.hr_manager, self.env.user):
            data = self.statement(manager, employee=self.employee)._dk_statement_data()
            self.assertEqual(data["employee"], "Freja Holm")
            self.assertEqual(len(data["mileage"]), 4)

    def test_approve_anyway_logs_the_warnings(self):
        bad = self.trip(50, date(2026, 3, 4), dk_trip_purpose=False)
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": "March",
                "employee_id": self.employee.id,
                "expense_line_ids": [Command.set(bad.ids)],
            }
        )
        sheet.action_submit_sheet()
        action = sheet.action_approve_expense_sheets()
        self.assertEqual(action["res_model"], "hr.expense.dk.approval.wizard")
        self.assertEqual(sheet.state, "submit")
        # The employee cannot approve their own report through the dialog.
        own = (
            self.env["hr.expense.dk.approval.wizard"]
            .with_user(self.freja_user)
            .create({"sheet_ids": [Command.set(sheet.ids)]})
        )
        with self.assertRaises(UserError):
            own.action_approve()
        self.assertEqual(sheet.state, "submit")
        wizard = (
            self.env["hr.expense.dk.approval.wizard"]
            .with_context(**action["context"])
            .create({})
        )
        wizard.action_approve()
        self.assertEqual(sheet.state, "approve")
        note = sheet.message_ids.filtered(
            lambda m: "Approved despite the Skat warnings" in str(m.body)
        )
        self.assertEqual(len(note), 1)
        self.assertIn("Missing purpose or route", str(note.body))
        self.assertIn(bad.name, str(note.body))
