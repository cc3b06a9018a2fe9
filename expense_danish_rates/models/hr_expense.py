from collections import defaultdict
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from ..services import mileage
from ..services.money import to_decimal
from .product_template import DK_MILEAGE_KINDS

# Expenses already approved or paid keep their amounts; they still count km.
LOCKED_STATES = ("approved", "done")
# Writing one of these on a mileage expense re-prices the employee's year.
MILEAGE_TRIGGER_FIELDS = {
    "date",
    "mileage_km",
    "product_id",
    "employee_id",
    "company_id",
}


class HrExpense(models.Model):
    _inherit = "hr.expense"

    dk_expense_kind = fields.Selection(related="product_id.dk_expense_kind")
    dk_calculation = fields.Text(
        string="Calculation",
        readonly=True,
        copy=False,
        help="How the tax-free amount was calculated, with the rates used.",
    )
    dk_trip_purpose = fields.Char(
        string="Business Purpose", help="Why the trip was made (required by Skat)."
    )
    # Driving log (kørselsregnskab)
    mileage_vehicle = fields.Selection(
        selection=[
            ("car", "Car or motorcycle"),
            ("bicycle", "Bicycle, moped or e-scooter"),
        ],
        string="Vehicle",
        compute="_compute_mileage_vehicle",
        store=True,
    )
    mileage_from = fields.Char(string="From", help="Start address of the trip.")
    mileage_to = fields.Char(string="To", help="Destination(s) of the trip.")
    mileage_km = fields.Float(
        string="Distance (km)",
        digits=(16, 2),
        help="Kilometres of the whole trip, as in the driving log.",
    )
    mileage_km_before = fields.Float(
        string="Km Earlier This Year",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="Car km of this employee for this company earlier in the calendar "
        "year, which decides the rate against the 20,000 km threshold.",
    )
    mileage_band = fields.Selection(
        selection=[
            (mileage.BAND_UP_TO_THRESHOLD, "Up to the threshold"),
            (mileage.BAND_ABOVE_THRESHOLD, "Above the threshold"),
            (mileage.BAND_BICYCLE, "Bicycle/moped rate"),
        ],
        string="Rate Band",
        readonly=True,
        copy=False,
    )
    mileage_unit_rate = fields.Float(
        string="Rate per km", digits=(16, 2), readonly=True, copy=False
    )
    mileage_rate_id = fields.Many2one(
        "hr.expense.dk.mileage.rate",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )
    mileage_split_parent_id = fields.Many2one(
        "hr.expense",
        string="Part of Trip",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="cascade",
        help="This line holds the km above the 20,000 km threshold of that trip.",
    )
    mileage_split_child_ids = fields.One2many(
        "hr.expense", "mileage_split_parent_id", string="Lines above Threshold"
    )
    dk_mileage_counter = fields.Char(
        string="Car km Counter",
        compute="_compute_dk_mileage_counter",
        help="Car km of this expense's employee for its company in the year of "
        "the expense, against the 20,000 km threshold.",
    )
    dk_skat_warnings = fields.Text(
        string="Skat Warnings",
        compute="_compute_dk_skat_warnings",
        help="Rules Skattestyrelsen checks that this allowance may break. An "
        "allowance that breaks them is taxable as a whole.",
    )
    # Per diem (set by the Danish per diem wizard)
    dk_trip_departure = fields.Datetime(string="Departure", readonly=True, copy=False)
    dk_trip_return = fields.Datetime(string="Return", readonly=True, copy=False)
    dk_trip_destination = fields.Char(string="Destination", readonly=True, copy=False)

    @api.depends("product_id.dk_expense_kind")
    def _compute_mileage_vehicle(self):
        for expense in self:
            kind = expense.product_id.dk_expense_kind
            expense.mileage_vehicle = kind if kind in DK_MILEAGE_KINDS else False

    @api.depends("employee_id", "company_id", "date", "mileage_km", "state")
    def _compute_dk_mileage_counter(self):
        # Whoever can read the expense (its employee, their approvers) sees the
        # counter of that expense's employee only.
        for expense in self:
            if (
                expense.mileage_vehicle == "car"
                and expense.employee_id
                and expense.date
                and expense._dk_may_see_mileage()
            ):
                expense.dk_mileage_counter = expense.employee_id._dk_mileage_counter(
                    expense.company_id, expense.date.year
                )["text"]
            else:
                expense.dk_mileage_counter = False

    @api.depends(
        "date",
        "employee_id",
        "state",
        "quantity",
        "total_amount_currency",
        "mileage_km",
        "mileage_from",
        "mileage_to",
        "dk_trip_purpose",
        "dk_trip_destination",
    )
    def _compute_dk_skat_warnings(self):
        warnings = self._dk_skat_warnings()
        for expense in self:
            expense.dk_skat_warnings = "\n".join(warnings.get(expense, [])) or False

    def _dk_skat_warnings(self):
        """{expense: [warning, ...]}, by the rules of hr.expense.dk.skat.rules."""
        return self.env["hr.expense.dk.skat.rules"]._dk_warnings(self)

    @api.model
    def get_dk_mileage_counter(self):
        """The logged-in user's own car km counter for the current company
        and year, for My Expenses; False when the user has no employee there."""
        employee = self.env.user.employee_id
        if not employee:
            return False
        company = self.env.company
        if employee.company_id != company:
            return False
        year = fields.Date.context_today(self).year
        counter = employee.sudo()._dk_mileage_counter(company, year)
        if not counter["km"] and company.country_id.code != "DK":
            return False  # not a Danish employer, and no Danish mileage
        return {key: counter[key] for key in ("km", "threshold", "year", "text")}

    def _compute_from_product(self):
        # Danish mileage is priced per km (quantity × rate) even though the
        # category has no fixed cost: the rate depends on the date and the km.
        res = super()._compute_from_product()
        for expense in self:
            if expense.product_id.dk_expense_kind in DK_MILEAGE_KINDS:
                expense.product_has_cost = True
        return res

    def _compute_currency_id(self):
        res = super()._compute_currency_id()
        dkk = self.env.ref("base.DKK")
        for expense in self:
            if expense.product_id.dk_expense_kind in DK_MILEAGE_KINDS:
                expense.currency_id = dkk
        return res

    def _compute_tax_ids(self):
        # Tax-free allowances carry no VAT, whatever taxes the category has.
        res = super()._compute_tax_ids()
        self.filtered(lambda e: e.product_id.dk_expense_kind).tax_ids = False
        return res

    @api.depends("mileage_unit_rate")
    def _compute_price_unit(self):
        # The applied rate is the truth in every state: core skips approved
        # expenses without assigning, which would lose the price on recompute.
        mileage_expenses = self.filtered(
            lambda e: e.product_id.dk_expense_kind in DK_MILEAGE_KINDS
        )
        res = super(HrExpense, self - mileage_expenses)._compute_price_unit()
        for expense in mileage_expenses:
            expense.price_unit = expense.mileage_unit_rate
        return res

    @api.depends("mileage_unit_rate")
    def _compute_total_amount_currency(self):
        mileage_expenses = self.filtered(
            lambda e: e.product_id.dk_expense_kind in DK_MILEAGE_KINDS
        )
        res = super(HrExpense, self - mileage_expenses)._compute_total_amount_currency()
        for expense in mileage_expenses:
            # Decimal, half-up to øre: the same figure as the calculation shows.
            expense.total_amount_currency = float(
                mileage.line_amount(
                    to_decimal(expense.quantity), to_decimal(expense.mileage_unit_rate)
                )
            )
        return res

    @api.constrains("mileage_km")
    def _check_mileage_km(self):
        for expense in self:
            if expense.mileage_km < 0:
                raise UserError(self.env._("A distance cannot be negative."))

    # ------------------------------------------------------------------
    # Form preview: the same calculation as on save, for this trip alone
    # ------------------------------------------------------------------
    @api.onchange("mileage_km", "date", "product_id", "employee_id")
    def _onchange_dk_mileage(self):
        if self.dk_expense_kind not in DK_MILEAGE_KINDS or not self.date:
            return
        if self.mileage_split_parent_id:
            return
        rates = self.env["hr.expense.dk.mileage.rate"]._dk_service_rates()
        km_before = self._dk_mileage_km_before()
        try:
            price = mileage.price_trip(
                to_decimal(self.mileage_km),
                self.mileage_vehicle,
                self.date,
                rates,
                km_before,
            )
        except mileage.RateNotFound as error:
            self.mileage_unit_rate = 0.0
            return {
                "warning": {
                    "title": self.env._("No Danish mileage rate"),
                    "message": _missing_mileage_rate_message(self.env, error.day),
                }
            }
        self.update(self._dk_mileage_line_values(price, 0))

    def _dk_may_see_mileage(self):
        """The employee's own km, for them, their approvers and server code.

        A form's onchange runs on a record nobody saved, so no access rule
        stands between any user and the figures computed as superuser.
        """
        self.ensure_one()
        return (
            self.env.su
            or self.employee_id.sudo().user_id == self.env.user
            or self.env.user.has_group("hr_expense.group_hr_expense_team_approver")
        )

    def _dk_mileage_km_before(self):
        """Car km of the same employee/company/year before this trip (date, id)."""
        self.ensure_one()
        if not (self.employee_id and self.date) or not self._dk_may_see_mileage():
            return to_decimal(0)
        own_id = self._origin.id
        domain = [
            ("employee_id", "=", self.employee_id.id),
            ("company_id", "=", self.company_id.id),
            ("product_id.dk_expense_kind", "=", "car"),
            ("mileage_split_parent_id", "=", False),
            ("state", "!=", "refused"),
            ("date", ">=", date(self.date.year, 1, 1)),
        ]
        if own_id:
            domain += [
                ("id", "!=", own_id),
                "|",
                ("date", "<", self.date),
                "&",
                ("date", "=", self.date),
                ("id", "<", own_id),
            ]
        else:
            domain.append(("date", "<=", self.date))
        groups = self.sudo()._read_group(domain, [], ["mileage_km:sum"])
        return to_decimal(groups[0][0] or 0)

    # ------------------------------------------------------------------
    # CRUD: keep every year's mileage priced in order
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "mileage_km" in vals and "quantity" not in vals:
                vals["quantity"] = vals["mileage_km"]
        expenses = super().create(vals_list)
        if not self.env.context.get("dk_mileage_recompute"):
            self._dk_recompute_mileage(expenses._dk_mileage_keys())
        return expenses

    def write(self, vals):
        if self.env.context.get("dk_mileage_recompute") or not (
            MILEAGE_TRIGGER_FIELDS & set(vals) or "sheet_id" in vals
        ):
            return super().write(vals)
        keys = self._dk_mileage_keys()
        was_refused = "sheet_id" in vals and any(
            state == "refused" for state in self.mapped("state")
        )
        res = super().write(vals)
        if "sheet_id" in vals:
            children = self.mileage_split_child_ids.filtered(
                lambda c: c.sheet_id.id != vals["sheet_id"] and c not in self
            )
            if children:
                children.with_context(dk_mileage_recompute=True).write(
                    {"sheet_id": vals["sheet_id"]}
                )
        if MILEAGE_TRIGGER_FIELDS & set(vals):
            # A trip moved to another category is no longer priced per km.
            former = self.filtered(
                lambda e: (
                    e.dk_expense_kind not in DK_MILEAGE_KINDS
                    and (e.mileage_split_child_ids or e.mileage_rate_id)
                )
            )
            if former:
                former.mileage_split_child_ids.with_context(
                    dk_mileage_recompute=True
                ).unlink()
                former.with_context(dk_mileage_recompute=True).write(
                    {
                        "mileage_rate_id": False,
                        "mileage_band": False,
                        "mileage_unit_rate": 0.0,
                        "mileage_km_before": 0.0,
                        "dk_calculation": False,
                    }
                )
            self._dk_recompute_mileage(keys | self._dk_mileage_keys())
        elif was_refused or any(state == "refused" for state in self.mapped("state")):
            # Leaving or joining a refused report changes what counts.
            self._dk_recompute_mileage(keys)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_split_line_alone(self):
        if self.env.context.get("dk_mileage_recompute"):
            return
        orphans = self.filtered(
            lambda e: (
                e.mileage_split_parent_id and e.mileage_split_parent_id not in self
            )
        )
        if orphans:
            raise UserError(
                self.env._(
                    "The line %(line)s holds the km above the threshold of the trip "
                    "%(trip)s. Delete or edit the trip itself; its lines are "
                    "recalculated.",
                    line=orphans[0].name,
                    trip=orphans[0].mileage_split_parent_id.name,
                )
            )

    def unlink(self):
        if self.env.context.get("dk_mileage_recompute"):
            return super().unlink()
        keys = self._dk_mileage_keys()
        res = super(HrExpense, self | self.mileage_split_child_ids).unlink()
        self._dk_recompute_mileage(keys)
        return res

    # ------------------------------------------------------------------
    # The year's re-pricing
    # ------------------------------------------------------------------
    def _dk_mileage_keys(self):
        """(employee, company, year) of the Danish mileage expenses in self."""
        return {
            (expense.employee_id.id, expense.company_id.id, expense.date.year)
            for expense in self
            if expense.product_id.dk_expense_kind in DK_MILEAGE_KINDS
            and expense.date
            and expense.employee_id
        }

    @api.model
    def _dk_recompute_mileage(self, keys, raise_if_no_rate=True):
        """Re-price every mileage expense of the given employees' years.

        ``keys`` is a set of (employee id, company id, year). Trips are walked
        by date then id; car km move the 20,000 km counter; a trip crossing it
        is split into this expense (up to the threshold) and a linked line
        (above it). Approved or paid expenses keep their amounts but count.
        Refused expenses neither count nor change. Without a rate for a trip,
        raise a UserError, or with ``raise_if_no_rate=False`` leave that year as is.
        """
        if not keys:
            return
        Expense = self.sudo().with_context(dk_mileage_recompute=True)
        domain = expression.OR(
            [
                [
                    ("employee_id", "=", employee_id),
                    ("company_id", "=", company_id),
                    ("date", ">=", date(year, 1, 1)),
                    ("date", "<=", date(year, 12, 31)),
                ]
                for employee_id, company_id, year in keys
            ]
        )
        domain = expression.AND(
            [
                domain,
                [
                    ("product_id.dk_expense_kind", "in", DK_MILEAGE_KINDS),
                    ("mileage_split_parent_id", "=", False),
                    ("state", "!=", "refused"),
                ],
            ]
        )
        trips = Expense.search(domain, order="date, id")
        if not trips:
            return
        rates = self.env["hr.expense.dk.mileage.rate"]._dk_service_rates()
        grouped = defaultdict(list)
        for trip in trips:
            grouped[(trip.employee_id.id, trip.company_id.id, trip.date.year)].append(
                trip
            )
        for records in grouped.values():
            service_trips = [
                mileage.Trip(
                    key=record.id,
                    day=record.date,
                    km=to_decimal(record.mileage_km),
                    vehicle=record.mileage_vehicle,
                    is_locked=record.state in LOCKED_STATES,
                )
                for record in records
            ]
            try:
                priced = mileage.allocate_year(service_trips, rates)
            except mileage.RateNotFound as error:
                if not raise_if_no_rate:
                    # A rate being corrected: these trips keep their price for now.
                    continue
                raise UserError(
                    _missing_mileage_rate_message(self.env, error.day)
                ) from None
            for record in records:
                if record.id in priced:
                    record._dk_apply_mileage_price(priced[record.id])

    def _dk_apply_mileage_price(self, price):
        """Write ``price`` (a mileage.TripPrice) on this trip and its split line."""
        self.ensure_one()
        old_total = self.total_amount_currency + sum(
            self.mileage_split_child_ids.mapped("total_amount_currency")
        )
        had_values = bool(self.mileage_rate_id)
        vals = self._dk_mileage_line_values(price, 0)
        self._dk_write_if_changed(vals)
        children = self.mileage_split_child_ids
        if len(price.parts) > 1:
            child_vals = self._dk_mileage_line_values(price, 1)
            child = children[:1]
            # The line above the threshold always mirrors its trip.
            child_vals.update(
                {
                    "date": self.date,
                    "product_id": self.product_id.id,
                    "employee_id": self.employee_id.id,
                }
            )
            if child:
                child._dk_write_if_changed(child_vals)
            else:
                child_vals.update(
                    {
                        "name": self.env._(
                            "%(trip)s (above %(threshold)s km)",
                            trip=self.name,
                            threshold=formatLang(
                                self.env, float(price.rate.threshold_km), digits=0
                            ),
                        ),
                        "mileage_split_parent_id": self.id,
                        "company_id": self.company_id.id,
                        "payment_mode": self.payment_mode,
                        "mileage_from": self.mileage_from,
                        "mileage_to": self.mileage_to,
                        "dk_trip_purpose": self.dk_trip_purpose,
                        "sheet_id": self.sheet_id.id,
                        "analytic_distribution": self.analytic_distribution,
                    }
                )
                child = self.create(child_vals)
            (children - child).unlink()
        elif children:
            children.unlink()
        new_total = self.total_amount_currency + sum(
            self.mileage_split_child_ids.mapped("total_amount_currency")
        )
        if had_values and self.currency_id.compare_amounts(old_total, new_total):
            self.message_post(
                body=self.env._(
                    "Mileage recalculated because the employee's km earlier in the "
                    "year changed: %(old)s → %(new)s.\n%(calculation)s",
                    old=formatLang(self.env, old_total, currency_obj=self.currency_id),
                    new=formatLang(self.env, new_total, currency_obj=self.currency_id),
                    calculation=self.dk_calculation,
                ),
            )

    def _dk_write_if_changed(self, vals):
        changed = {}
        for name, value in vals.items():
            current = self[name]
            if self._fields[name].type == "many2one":
                current = current.id
            if current != value:
                changed[name] = value
        if changed:
            self.write(changed)

    def _dk_mileage_line_values(self, price, index):
        """Field values of part ``index`` of ``price`` for an expense line."""
        part = price.parts[index]
        km_before = price.km_before + sum(
            (p.km for p in price.parts[:index]), to_decimal(0)
        )
        return {
            # Skattestyrelsen's rates are in DKK whatever the company currency.
            "currency_id": self.env.ref("base.DKK").id,
            "quantity": float(part.km),
            "mileage_unit_rate": float(part.unit_rate),
            "mileage_band": part.band,
            "mileage_rate_id": price.rate.ref,
            "mileage_km_before": float(km_before),
            "dk_calculation": self._dk_mileage_explanation(price),
        }

    def _dk_mileage_explanation(self, price):
        env = self.env
        rate = env["hr.expense.dk.mileage.rate"].browse(price.rate.ref)
        vehicle = dict(self._fields["mileage_vehicle"]._description_selection(env))
        lines = [
            env._(
                "%(vehicle)s on %(date)s: %(km)s km from %(origin)s to "
                "%(destination)s.",
                vehicle=vehicle.get(price.vehicle, ""),
                date=format_date(env, self.date),
                km=_format_km(env, price.km),
                origin=self.mileage_from or "?",
                destination=self.mileage_to or "?",
            )
        ]
        if price.vehicle == mileage.VEHICLE_CAR:
            lines.append(
                env._(
                    "Car km for %(company)s earlier in %(year)s: %(km)s km "
                    "(threshold %(threshold)s km per employee per employer).",
                    company=self.company_id.name,
                    year=self.date.year,
                    km=_format_km(env, price.km_before),
                    threshold=formatLang(env, float(price.rate.threshold_km), digits=0),
                )
            )
        band_labels = dict(self._fields["mileage_band"]._description_selection(env))
        for part in price.parts:
            lines.append(
                env._(
                    "%(km)s km × %(rate)s (%(band)s) = %(amount)s",
                    km=_format_km(env, part.km),
                    rate=formatLang(env, float(part.unit_rate)),
                    band=band_labels[part.band],
                    amount=formatLang(env, float(part.amount)),
                )
            )
        if price.crosses_threshold:
            lines.append(
                env._(
                    "Total %(amount)s in two lines: the km above the threshold are on "
                    "a separate expense line linked to this trip.",
                    amount=formatLang(env, float(price.amount)),
                )
            )
        lines.append(
            env._(
                "Rates valid %(period)s (Skattestyrelsen)%(unconfirmed)s.",
                period=rate.name,
                unconfirmed=""
                if rate.is_confirmed
                else env._(", not yet confirmed by an administrator"),
            )
        )
        return "\n".join(lines)

    def action_open_dk_mileage_trip(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "hr.expense",
            "view_mode": "form",
            "res_id": self.mileage_split_parent_id.id,
        }


def _format_km(env, km):
    """Km in the user's number format, without decimals when whole (19.800)."""
    km = float(km)
    return formatLang(env, km, digits=0 if km.is_integer() else 2)


def _missing_mileage_rate_message(env, day):
    return env._(
        "No Danish mileage rate covers %(date)s. An administrator adds the rates "
        "under Expenses ▸ Configuration ▸ Danish Rates.",
        date=format_date(env, day),
    )
