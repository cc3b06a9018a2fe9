from odoo import api, fields, models
from odoo.exceptions import ValidationError


class HrExpenseDkDatedRate(models.AbstractModel):
    """A Danish rate table row valid from a date, until a date or open-ended.

    Shared by the per-diem and the mileage rates: one name per period, DKK, and
    never two active rows of the same table covering the same day.
    """

    _name = "hr.expense.dk.dated.rate"
    _description = "Dated Danish Rate"
    _order = "date_from desc"

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    date_from = fields.Date(string="Valid From", required=True)
    date_to = fields.Date(
        string="Valid To", help="Leave empty while the rate has no known end."
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        readonly=True,
        default=lambda self: self.env.ref("base.DKK"),
    )

    _sql_constraints = [
        (
            "dates_ordered",
            "CHECK (date_to IS NULL OR date_to >= date_from)",
            "A rate cannot end before it starts.",
        ),
    ]

    @api.depends("date_from", "date_to")
    def _compute_name(self):
        for rate in self:
            rate.name = _period_name(rate.date_from, rate.date_to)

    @api.constrains("date_from", "date_to", "active")
    def _check_no_overlap(self):
        _check_no_overlap(self)


def _period_name(date_from, date_to):
    if not date_from:
        return False
    if date_to and (date_from.month, date_from.day) == (1, 1):
        if date_to == date_from.replace(month=12, day=31):
            return str(date_from.year)
    # ISO dates: the stored name must not depend on the language that computed it.
    if not date_to:
        return f"{date_from.isoformat()} –"
    return f"{date_from.isoformat()} – {date_to.isoformat()}"


def _check_no_overlap(records):
    """Two active rates of the same table may not cover the same day."""
    for rate in records.filtered("active"):
        domain = [
            ("id", "!=", rate.id),
            "|",
            ("date_to", "=", False),
            ("date_to", ">=", rate.date_from),
        ]
        if rate.date_to:
            domain.append(("date_from", "<=", rate.date_to))
        clash = records.search(domain, limit=1)
        if clash:
            raise ValidationError(
                records.env._(
                    "The period %(period)s overlaps %(other)s: each day may have "
                    "only one rate. End the earlier period first.",
                    period=rate.name or rate.display_name,
                    other=clash.name or clash.display_name,
                )
            )
