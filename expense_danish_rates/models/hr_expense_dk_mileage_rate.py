from odoo import api, fields, models
from odoo.osv import expression

from ..services import mileage
from ..services.money import to_decimal


class HrExpenseDkMileageRate(models.Model):
    _name = "hr.expense.dk.mileage.rate"
    _inherit = ["hr.expense.dk.dated.rate"]
    _description = "Danish Mileage Rate"
    _order = "date_from desc"

    car_rate_up_to_threshold = fields.Float(
        string="Car Rate up to Threshold",
        digits=(12, 2),
        required=True,
        help="Per km by car or motorcycle for the first km of the calendar year, "
        "per employee per employer.",
    )
    car_rate_above_threshold = fields.Float(
        string="Car Rate above Threshold",
        digits=(12, 2),
        required=True,
        help="Per km by car or motorcycle once the employee has driven the "
        "threshold this calendar year for this employer.",
    )
    threshold_km = fields.Float(
        string="Threshold (km)",
        digits=(12, 0),
        default=20000.0,
        required=True,
    )
    bicycle_rate = fields.Float(
        string="Bicycle/Moped Rate",
        digits=(12, 2),
        required=True,
        help="Per km by bicycle, moped, scooter or e-scooter, whatever the distance.",
    )
    source_note = fields.Text(string="Source", translate=True)
    is_confirmed = fields.Boolean(string="Confirmed")

    _sql_constraints = [
        (
            "amounts_positive",
            "CHECK (car_rate_up_to_threshold >= 0 AND car_rate_above_threshold >= 0 "
            "AND bicycle_rate >= 0 AND threshold_km > 0)",
            "Rates cannot be negative and the threshold must be positive.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        rates = super().create(vals_list)
        rates._dk_reprice_open_expenses()
        return rates

    def write(self, vals):
        periods = [(rate.date_from, rate.date_to) for rate in self]
        res = super().write(vals)
        self._dk_reprice_open_expenses(periods)
        return res

    def _dk_reprice_open_expenses(self, extra_periods=()):
        """Re-price the not yet approved mileage of the periods these rates cover."""
        periods = [(rate.date_from, rate.date_to) for rate in self]
        periods += list(extra_periods)
        domains = [
            [("date", ">=", start)] + ([("date", "<=", end)] if end else [])
            for start, end in periods
            if start
        ]
        if not domains:
            return
        Expense = self.env["hr.expense"].sudo()
        expenses = Expense.search(
            expression.AND(
                [
                    expression.OR(domains),
                    [
                        ("product_id.dk_expense_kind", "in", ("car", "bicycle")),
                        ("state", "in", ("draft", "reported", "submitted")),
                    ],
                ]
            )
        )
        Expense._dk_recompute_mileage(
            expenses._dk_mileage_keys(), raise_if_no_rate=False
        )

    def _dk_service_rates(self):
        """Every active rate as the pure-Python objects the calculation uses."""
        return [
            mileage.MileageRate(
                valid_from=rate.date_from,
                valid_to=rate.date_to or None,
                car_up_to_threshold=to_decimal(rate.car_rate_up_to_threshold),
                car_above_threshold=to_decimal(rate.car_rate_above_threshold),
                bicycle=to_decimal(rate.bicycle_rate),
                threshold_km=to_decimal(rate.threshold_km),
                ref=rate.id,
            )
            # A few rows per year: reading them all beats one query per day.
            for rate in self.search([])  # pylint: disable=no-search-all
        ]
