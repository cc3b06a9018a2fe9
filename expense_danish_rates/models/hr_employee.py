from datetime import date

from odoo import fields, models
from odoo.tools.misc import formatLang

from ..services import mileage


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

    def _dk_mileage_counter(self, company, year):
        """This employee's car km for ``company`` in ``year`` against the threshold.

        Refused trips and the lines above the threshold (their km are on the
        trip) do not count. Returns a dict with ``km``, ``threshold`` and the
        sentence shown to the employee (``text``). Callers check who may see it.
        """
        self.ensure_one()
        groups = (
            self.env["hr.expense"]
            .sudo()
            ._read_group(
                [
                    ("employee_id", "=", self.id),
                    ("company_id", "=", company.id),
                    ("product_id.dk_expense_kind", "=", "car"),
                    ("mileage_split_parent_id", "=", False),
                    ("state", "!=", "refused"),
                    ("date", ">=", date(year, 1, 1)),
                    ("date", "<=", date(year, 12, 31)),
                ],
                [],
                ["mileage_km:sum"],
            )
        )
        km = groups[0][0] or 0.0
        today = fields.Date.context_today(self)
        day = today if today.year == year else date(year, 12, 31)
        rates = self.env["hr.expense.dk.mileage.rate"].sudo()._dk_service_rates()
        try:
            threshold = float(mileage.find_rate(rates, day).threshold_km)
        except mileage.RateNotFound:
            threshold = float(mileage.DEFAULT_THRESHOLD_KM)
        env = self.env
        values = {
            "company": company.name,
            "year": year,
            "km": formatLang(env, km, digits=0),
            "threshold": formatLang(env, threshold, digits=0),
            "above": formatLang(env, max(km - threshold, 0.0), digits=0),
        }
        if year == today.year:
            if km <= threshold:
                text = env._(
                    "km driven this year for %(company)s: %(km)s of %(threshold)s "
                    "at the higher rate",
                    **values,
                )
            else:
                text = env._(
                    "km driven this year for %(company)s: %(km)s, the first "
                    "%(threshold)s at the higher rate and %(above)s at the lower rate",
                    **values,
                )
        elif km <= threshold:
            text = env._(
                "km driven in %(year)s for %(company)s: %(km)s of %(threshold)s "
                "at the higher rate",
                **values,
            )
        else:
            text = env._(
                "km driven in %(year)s for %(company)s: %(km)s, the first "
                "%(threshold)s at the higher rate and %(above)s at the lower rate",
                **values,
            )
        return {"km": km, "threshold": threshold, "year": year, "text": text}

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
