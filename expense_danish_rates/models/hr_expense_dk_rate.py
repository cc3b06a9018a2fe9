from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import perdiem
from ..services.money import percent_of, to_decimal


class HrExpenseDkRate(models.Model):
    _name = "hr.expense.dk.rate"
    _inherit = ["hr.expense.dk.dated.rate"]
    _description = "Danish Per-Diem Rate"
    _order = "date_from desc"

    food_rate = fields.Monetary(
        string="Food Rate (kost)",
        required=True,
        help="Tax-free food allowance per full 24 hours (kostgodtgørelse pr. døgn).",
    )
    lodging_rate = fields.Monetary(
        string="Lodging Rate (logi)",
        required=True,
        help="Tax-free lodging allowance per night at the standard rate "
        "(logigodtgørelse pr. døgn).",
    )
    is_hourly_supplement_manual = fields.Boolean(
        string="Override Hourly Supplement",
        help="By default the hourly supplement is 1/24 of the food rate rounded "
        "half-up to øre. Tick to type the figure Skattestyrelsen published instead.",
    )
    hourly_supplement = fields.Monetary(
        compute="_compute_hourly_supplement",
        store=True,
        readonly=False,
        help="Paid for every started hour after the last full 24 hours.",
    )
    breakfast_percent = fields.Float(
        string="Breakfast Reduction (%)", default=15.0, required=True
    )
    lunch_percent = fields.Float(
        string="Lunch Reduction (%)", default=30.0, required=True
    )
    dinner_percent = fields.Float(
        string="Dinner Reduction (%)", default=30.0, required=True
    )
    breakfast_reduction = fields.Monetary(compute="_compute_reductions")
    lunch_reduction = fields.Monetary(compute="_compute_reductions")
    dinner_reduction = fields.Monetary(compute="_compute_reductions")
    small_expenses_amount = fields.Monetary(
        string="Small Expenses (småfornødenheder)",
        compute="_compute_reductions",
        help="The share of the food rate that is paid even when every meal is "
        "provided.",
    )
    source_note = fields.Text(
        string="Source",
        translate=True,
        help="Where the figures come from (Skattestyrelsen, Skatterådet's decision, "
        "the page consulted).",
    )
    is_confirmed = fields.Boolean(
        string="Confirmed",
        help="Ticked once the figures were checked against Skattestyrelsen's "
        "published rates.",
    )

    _sql_constraints = [
        (
            "amounts_positive",
            "CHECK (food_rate >= 0 AND lodging_rate >= 0 AND hourly_supplement >= 0)",
            "Rates cannot be negative.",
        ),
    ]

    @api.depends("food_rate", "is_hourly_supplement_manual")
    def _compute_hourly_supplement(self):
        for rate in self:
            if not rate.is_hourly_supplement_manual:
                rate.hourly_supplement = float(
                    perdiem.hourly_supplement(to_decimal(rate.food_rate))
                )

    @api.depends("food_rate", "breakfast_percent", "lunch_percent", "dinner_percent")
    def _compute_reductions(self):
        for rate in self:
            food = to_decimal(rate.food_rate)
            rate.breakfast_reduction = float(percent_of(food, rate.breakfast_percent))
            rate.lunch_reduction = float(percent_of(food, rate.lunch_percent))
            rate.dinner_reduction = float(percent_of(food, rate.dinner_percent))
            rest = (
                100 - rate.breakfast_percent - rate.lunch_percent - rate.dinner_percent
            )
            rate.small_expenses_amount = float(percent_of(food, max(rest, 0)))

    @api.constrains("breakfast_percent", "lunch_percent", "dinner_percent")
    def _check_meal_percentages(self):
        for rate in self:
            percents = (rate.breakfast_percent, rate.lunch_percent, rate.dinner_percent)
            if any(p < 0 for p in percents) or sum(percents) > 100:
                raise ValidationError(
                    self.env._(
                        "Meal reductions of %(name)s must be between 0 and 100 %% "
                        "in total.",
                        name=rate.name,
                    )
                )

    def _dk_service_rates(self):
        """Every active rate as the pure-Python objects the calculation uses."""
        # A few rows per year: reading them all is cheaper than one query per day.
        rates = self.search([])  # pylint: disable=no-search-all
        return [
            perdiem.PerDiemRate(
                valid_from=rate.date_from,
                valid_to=rate.date_to or None,
                food=to_decimal(rate.food_rate),
                lodging=to_decimal(rate.lodging_rate),
                hourly=to_decimal(rate.hourly_supplement),
                breakfast_pct=to_decimal(rate.breakfast_percent),
                lunch_pct=to_decimal(rate.lunch_percent),
                dinner_pct=to_decimal(rate.dinner_percent),
                ref=rate.id,
            )
            for rate in rates
        ]
