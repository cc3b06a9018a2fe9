from datetime import date

from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    dk_mileage_km_this_year = fields.Float(
        string="Car km This Year",
        digits=(16, 0),
        compute="_compute_dk_mileage_km_this_year",
        groups="hr.group_hr_user,hr_expense.group_hr_expense_team_approver",
        help="Km by car or motorcycle on this employee's Danish mileage expenses "
        "for the employee's company this calendar year (refused ones excluded). "
        "Above 20,000 km the lower rate applies.",
    )

    def _compute_dk_mileage_km_this_year(self):
        today = fields.Date.context_today(self)
        domain = [
            ("employee_id", "in", self.ids),
            ("product_id.dk_expense_kind", "=", "car"),
            ("mileage_split_parent_id", "=", False),
            ("state", "!=", "refused"),
            ("date", ">=", date(today.year, 1, 1)),
            ("date", "<=", date(today.year, 12, 31)),
        ]
        groups = (
            self.env["hr.expense"]
            .sudo()
            ._read_group(domain, ["employee_id", "company_id"], ["mileage_km:sum"])
        )
        km = {(emp.id, company.id): total for emp, company, total in groups}
        for employee in self:
            employee.dk_mileage_km_this_year = km.get(
                (employee.id, employee.company_id.id), 0.0
            )

    def action_open_dk_mileage_expenses(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Danish mileage %(year)s", year=today.year),
            "res_model": "hr.expense",
            "view_mode": "list,form",
            "domain": [
                ("employee_id", "=", self.id),
                ("product_id.dk_expense_kind", "in", ("car", "bicycle")),
                ("date", ">=", date(today.year, 1, 1)),
                ("date", "<=", date(today.year, 12, 31)),
            ],
            "context": {"default_employee_id": self.id},
        }
