import base64
import io
from collections import defaultdict

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_date, format_datetime
from odoo.tools.misc import formatLang

from ..models.product_template import DK_MILEAGE_KINDS

# The allowances SKAT asks the employer to document are those paid: expenses
# of reports posted to accounting or paid.
POSTED_SHEET_STATES = ("post", "done")
MANAGER_GROUPS = ("hr.group_hr_manager", "hr_expense.group_hr_expense_manager")


class HrExpenseDkStatement(models.TransientModel):
    _name = "hr.expense.dk.statement"
    _description = "Danish Year-End Statement of Tax-Free Allowances"

    def _default_employee_id(self):
        return self.env.user.employee_id

    employee_id = fields.Many2one(
        "hr.employee", required=True, default=_default_employee_id
    )
    year = fields.Integer(
        required=True, default=lambda self: fields.Date.context_today(self).year
    )
    can_choose_employee = fields.Boolean(compute="_compute_can_choose_employee")
    xlsx_file = fields.Binary(string="Spreadsheet", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    def _compute_can_choose_employee(self):
        allowed = self._dk_is_statement_manager()
        for statement in self:
            statement.can_choose_employee = allowed

    def _dk_is_statement_manager(self):
        return any(self.env.user.has_group(group) for group in MANAGER_GROUPS)

    def _dk_check_statement_access(self):
        """The employee for themselves, HR and expense managers for everyone."""
        if self.env.su or self._dk_is_statement_manager():
            return
        for statement in self:
            if statement.employee_id.sudo().user_id != self.env.user:
                raise AccessError(
                    self.env._(
                        "You can only see your own year-end statement. HR and "
                        "expense managers see everyone's."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        statements = super().create(vals_list)
        # Checked after create: defaults and default_* context arrive late.
        statements._dk_check_statement_access()
        return statements

    def write(self, vals):
        res = super().write(vals)
        if "employee_id" in vals:
            self._dk_check_statement_access()
        return res

    # ------------------------------------------------------------------
    # The figures
    # ------------------------------------------------------------------
    def _dk_posted_expenses(self):
        self.ensure_one()
        self._dk_check_statement_access()
        return (
            self.env["hr.expense"]
            .sudo()
            .search(
                [
                    ("employee_id", "=", self.employee_id.id),
                    ("product_id.dk_expense_kind", "!=", False),
                    ("sheet_id.state", "in", POSTED_SHEET_STATES),
                    ("date", ">=", f"{self.year}-01-01"),
                    ("date", "<=", f"{self.year}-12-31"),
                ],
                order="date, id",
            )
        )

    def _dk_statement_data(self):
        """Everything the PDF and the spreadsheet show, as plain values."""
        self.ensure_one()
        env = self.env
        expenses = self._dk_posted_expenses()
        employee = self.employee_id.sudo()
        tz = employee.tz or env.user.tz or "Europe/Copenhagen"
        trips = defaultdict(lambda: env["hr.expense"].sudo())
        for expense in expenses.filtered("dk_trip_departure"):
            key = (
                expense.dk_trip_departure,
                expense.dk_trip_return,
                expense.dk_trip_destination,
            )
            trips[key] |= expense
        trip_rows = []
        for (departure, return_at, destination), lines in trips.items():
            food = lines.filtered(lambda e: e.dk_expense_kind == "food")
            lodging = lines.filtered(lambda e: e.dk_expense_kind == "lodging")
            trip_rows.append(
                {
                    "departure": format_datetime(env, departure, tz=tz),
                    "return": format_datetime(env, return_at, tz=tz),
                    "destination": destination or "",
                    "purpose": lines[0].dk_trip_purpose or "",
                    "food": sum(food.mapped("total_amount_currency")),
                    "lodging": sum(lodging.mapped("total_amount_currency")),
                    "total": sum(lines.mapped("total_amount_currency")),
                    "breakdown": food[:1].dk_calculation or "",
                    "lodging_breakdown": lodging[:1].dk_calculation or "",
                }
            )
        mileage_rows = [
            {
                "date": format_date(env, line.date),
                "from": (line.mileage_split_parent_id or line).mileage_from or "",
                "to": (line.mileage_split_parent_id or line).mileage_to or "",
                "purpose": (line.mileage_split_parent_id or line).dk_trip_purpose or "",
                "vehicle": dict(
                    line._fields["mileage_vehicle"]._description_selection(env)
                ).get(line.mileage_vehicle, ""),
                "km": line.quantity,
                "rate": line.mileage_unit_rate,
                "amount": line.total_amount_currency,
            }
            for line in expenses.filtered(
                lambda e: e.dk_expense_kind in DK_MILEAGE_KINDS
            )
        ]
        totals = {
            "food": sum(row["food"] for row in trip_rows),
            "lodging": sum(row["lodging"] for row in trip_rows),
            "per_diem": sum(row["total"] for row in trip_rows),
            "km": sum(row["km"] for row in mileage_rows),
            "mileage": sum(row["amount"] for row in mileage_rows),
        }
        totals["total"] = totals["per_diem"] + totals["mileage"]
        return {
            "employee": employee.name,
            "company": employee.company_id.name,
            "year": self.year,
            "currency": env.ref("base.DKK"),
            "trips": trip_rows,
            "mileage": mileage_rows,
            "totals": totals,
        }

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_print_pdf(self):
        # the dialog is its creator's (record rule), whoever its employee is
        self.check_access("read")
        self._dk_check_statement_access()
        return self.env.ref(
            "expense_danish_rates.hr_expense_dk_statement_report"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        self._dk_check_statement_access()
        data = self._dk_statement_data()
        filename = self.env._(
            "Year-end statement %(year)s %(employee)s.xlsx",
            year=data["year"],
            employee=data["employee"],
        )
        self.write(
            {
                "xlsx_file": base64.b64encode(self._dk_xlsx(data)),
                "xlsx_filename": filename,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/xlsx_file/"
            f"{filename}?download=true",
            "target": "self",
        }

    def _dk_xlsx(self, data):
        env = self.env
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        title = env._(
            "Tax-free allowances %(year)s: %(employee)s, %(company)s",
            year=data["year"],
            employee=data["employee"],
            company=data["company"],
        )

        sheet = book.add_worksheet(env._("Per diem")[:31])
        sheet.write(0, 0, title, bold)
        headers = [
            env._("Departure"),
            env._("Return"),
            env._("Destination"),
            env._("Business Purpose"),
            env._("Food allowance"),
            env._("Lodging allowance"),
            env._("Total"),
            env._("Calculation"),
        ]
        sheet.write_row(2, 0, headers, bold)
        row = 3
        for trip in data["trips"]:
            sheet.write_row(
                row,
                0,
                [
                    trip["departure"],
                    trip["return"],
                    trip["destination"],
                    trip["purpose"],
                ],
            )
            sheet.write_number(row, 4, trip["food"], money)
            sheet.write_number(row, 5, trip["lodging"], money)
            sheet.write_number(row, 6, trip["total"], money)
            sheet.write(row, 7, "\n".join(filter(None, [trip["breakdown"]])), wrap)
            row += 1
        sheet.write(row, 0, env._("Total"), bold)
        sheet.write_number(row, 4, data["totals"]["food"], money)
        sheet.write_number(row, 5, data["totals"]["lodging"], money)
        sheet.write_number(row, 6, data["totals"]["per_diem"], money)
        sheet.set_column(0, 3, 22)
        sheet.set_column(4, 6, 14)
        sheet.set_column(7, 7, 80)

        sheet = book.add_worksheet(env._("Mileage")[:31])
        sheet.write(0, 0, title, bold)
        headers = [
            env._("Date"),
            env._("From"),
            env._("To"),
            env._("Business Purpose"),
            env._("Vehicle"),
            env._("Km"),
            env._("Rate per km"),
            env._("Amount"),
        ]
        sheet.write_row(2, 0, headers, bold)
        row = 3
        for line in data["mileage"]:
            sheet.write_row(
                row,
                0,
                [
                    line["date"],
                    line["from"],
                    line["to"],
                    line["purpose"],
                    line["vehicle"],
                ],
            )
            sheet.write_number(row, 5, line["km"])
            sheet.write_number(row, 6, line["rate"], money)
            sheet.write_number(row, 7, line["amount"], money)
            row += 1
        sheet.write(row, 0, env._("Total"), bold)
        sheet.write_number(row, 5, data["totals"]["km"])
        sheet.write_number(row, 7, data["totals"]["mileage"], money)
        sheet.write(row + 1, 0, env._("Total tax-free allowances"), bold)
        sheet.write_number(row + 1, 7, data["totals"]["total"], money)
        sheet.set_column(0, 4, 22)
        sheet.set_column(5, 7, 14)
        book.close()
        return out.getvalue()

    def _dk_format_amount(self, amount):
        return formatLang(self.env, amount, currency_obj=self.env.ref("base.DKK"))
