import base64

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_date, format_datetime
from odoo.tools.misc import formatLang

from ..services import perdiem
from .hr_expense_dk_per_diem_wizard_day import LODGING_SELECTION

DEFAULT_TZ = "Europe/Copenhagen"
MAX_TRIP_DAYS = 366


class HrExpenseDkPerDiemWizard(models.TransientModel):
    _name = "hr.expense.dk.per.diem.wizard"
    _description = "Danish Per Diem (diæter)"

    employee_id = fields.Many2one(
        "hr.employee",
        required=True,
        default=lambda self: self.env.user.employee_id,
        domain=[("filter_for_expense", "=", True)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.ref("base.DKK"), readonly=True
    )
    departure = fields.Datetime(
        required=True, help="When the employee left home or the usual workplace."
    )
    return_datetime = fields.Datetime(
        string="Return", required=True, help="When the employee was back."
    )
    destination = fields.Char(required=True)
    purpose = fields.Char(string="Business Purpose", required=True)
    has_overnight_stay = fields.Boolean(
        string="Overnight Stay Away",
        default=True,
        help="The employee stayed overnight away from home. Without an overnight "
        "stay there is no tax-free travel allowance.",
    )
    lodging_mode = fields.Selection(
        selection=LODGING_SELECTION,
        string="Lodging per Night",
        default=perdiem.LODGING_STANDARD,
        required=True,
        help="Applied to every night; change single nights in the table below.",
    )
    day_ids = fields.One2many(
        "hr.expense.dk.per.diem.wizard.day",
        "wizard_id",
        string="Days",
        compute="_compute_day_ids",
        store=True,
        readonly=False,
    )
    is_eligible = fields.Boolean(compute="_compute_calculation")
    not_eligible_reason = fields.Char(compute="_compute_calculation")
    error_message = fields.Char(compute="_compute_calculation")
    food_amount = fields.Monetary(
        string="Food Allowance", compute="_compute_calculation"
    )
    lodging_amount = fields.Monetary(
        string="Lodging Allowance", compute="_compute_calculation"
    )
    total_amount = fields.Monetary(string="Total", compute="_compute_calculation")
    calculation_html = fields.Html(
        string="Calculation", compute="_compute_calculation", sanitize=False
    )

    def _dk_tz(self):
        return self.employee_id.tz or self.env.user.tz or DEFAULT_TZ

    @api.depends("departure", "return_datetime", "lodging_mode", "employee_id")
    def _compute_day_ids(self):
        for wizard in self:
            dep, ret = wizard.departure, wizard.return_datetime
            if not (dep and ret and ret > dep):
                wizard.day_ids = [Command.clear()]
                continue
            days = perdiem.trip_days(dep, ret, wizard._dk_tz())[:MAX_TRIP_DAYS]
            nights = set(days[:-1])
            previous = {line.day: line for line in wizard.day_ids}
            commands = [Command.clear()]
            for day in days:
                old = previous.get(day)
                commands.append(
                    Command.create(
                        {
                            "day": day,
                            "has_night": day in nights,
                            "lodging": wizard.lodging_mode if day in nights else False,
                            "breakfast": bool(old and old.breakfast),
                            "lunch": bool(old and old.lunch),
                            "dinner": bool(old and old.dinner),
                        }
                    )
                )
            wizard.day_ids = commands

    @api.depends(
        "departure",
        "return_datetime",
        "has_overnight_stay",
        "destination",
        "purpose",
        "employee_id",
        "day_ids.breakfast",
        "day_ids.lunch",
        "day_ids.dinner",
        "day_ids.lodging",
    )
    def _compute_calculation(self):
        for wizard in self:
            result, error = wizard._dk_calculate()
            wizard.error_message = error
            wizard.is_eligible = bool(result and result.eligible)
            wizard.not_eligible_reason = (
                wizard._dk_reason_text(result)
                if result and not result.eligible
                else False
            )
            wizard.food_amount = float(result.food_total) if result else 0.0
            wizard.lodging_amount = float(result.lodging_total) if result else 0.0
            wizard.total_amount = float(result.total) if result else 0.0
            wizard.calculation_html = (
                wizard._dk_calculation_html(result) if result else False
            )

    # ------------------------------------------------------------------
    # Calculation
    # ------------------------------------------------------------------
    def _dk_calculate(self):
        """Return (perdiem.PerDiemResult or None, error message or False)."""
        self.ensure_one()
        if not (self.departure and self.return_datetime):
            return None, False
        if self.return_datetime <= self.departure:
            return None, self.env._("The return must come after the departure.")
        tz = self._dk_tz()
        trip_days = set(perdiem.trip_days(self.departure, self.return_datetime, tz))
        lines = self.day_ids.filtered(lambda line: line.day in trip_days)
        meals = [
            perdiem.MealDay(line.day, line.breakfast, line.lunch, line.dinner)
            for line in lines
            if line.breakfast or line.lunch or line.dinner
        ]
        nights = [
            perdiem.Night(line.day, line.lodging or perdiem.LODGING_STANDARD)
            for line in lines
            if line.has_night
        ]
        rates = self.env["hr.expense.dk.rate"]._dk_service_rates()
        try:
            result = perdiem.compute_per_diem(
                self.departure,
                self.return_datetime,
                rates,
                overnight=self.has_overnight_stay,
                meals=meals,
                nights=nights,
                tz=tz,
            )
        except perdiem.RateNotFound as error:
            return None, self.env._(
                "No Danish per-diem rate covers %(date)s. An administrator adds the "
                "rates under Expenses ▸ Configuration ▸ Danish Rates.",
                date=format_date(self.env, error.day),
            )
        except perdiem.PerDiemError as error:
            return None, str(error)
        return result, False

    def _dk_duration_text(self, duration):
        minutes = int(duration.total_seconds() // 60)
        return self.env._(
            "%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60
        )

    def _dk_reason_text(self, result):
        if result.reason == perdiem.REASON_TOO_SHORT:
            return self.env._(
                "Not eligible: the trip lasts %(duration)s. Tax-free travel allowance "
                "(diæter) requires at least 24 hours away with an overnight stay.",
                duration=self._dk_duration_text(result.duration),
            )
        return self.env._(
            "Not eligible: the trip has no overnight stay away from home. Tax-free "
            "travel allowance (diæter) requires at least 24 hours away with an "
            "overnight stay."
        )

    def _dk_line_label(self, line):
        env = self.env
        day = format_date(env, line.day)
        rate = line.rate
        labels = {
            perdiem.LINE_FULL_DAYS: lambda: env._(
                "Food allowance (kostgodtgørelse), full 24 hours from %(date)s",
                date=day,
            ),
            perdiem.LINE_STARTED_HOURS: lambda: env._(
                "Started hours after the last full 24 hours (1/24 of the food rate "
                "per hour), from %(date)s",
                date=day,
            ),
            perdiem.LINE_BREAKFAST: lambda: env._(
                "Breakfast provided: −%(percent)s %% of the food rate",
                percent=formatLang(env, float(rate.breakfast_pct), digits=0),
            ),
            perdiem.LINE_LUNCH: lambda: env._(
                "Lunch provided: −%(percent)s %% of the food rate",
                percent=formatLang(env, float(rate.lunch_pct), digits=0),
            ),
            perdiem.LINE_DINNER: lambda: env._(
                "Dinner provided: −%(percent)s %% of the food rate",
                percent=formatLang(env, float(rate.dinner_pct), digits=0),
            ),
            perdiem.LINE_SMALL_EXPENSES_FLOOR: lambda: env._(
                "Small expenses (småfornødenheder): the share of the food allowance "
                "not tied to meals is always paid"
            ),
            perdiem.LINE_LODGING_STANDARD: lambda: env._(
                "Lodging allowance (logigodtgørelse) at the standard rate, nights "
                "from %(date)s",
                date=day,
            ),
            perdiem.LINE_LODGING_RECEIPT: lambda: env._(
                "Nights paid on receipt from %(date)s: claim the hotel bill as an "
                "ordinary expense",
                date=day,
            ),
            perdiem.LINE_LODGING_PROVIDED: lambda: env._(
                "Nights with free lodging from %(date)s", date=day
            ),
        }
        return labels[line.kind]()

    def _dk_header_rows(self, result):
        env = self.env
        tz = self._dk_tz()
        rows = [
            (env._("Employee"), self.employee_id.name or ""),
            (env._("Destination"), self.destination or ""),
            (env._("Business purpose"), self.purpose or ""),
            (
                env._("Departure"),
                format_datetime(env, self.departure, tz=tz, dt_format="short"),
            ),
            (
                env._("Return"),
                format_datetime(env, self.return_datetime, tz=tz, dt_format="short"),
            ),
            (env._("Duration"), self._dk_duration_text(result.duration)),
        ]
        if result.eligible:
            rows.append(
                (
                    env._("Full 24 hours / started hours after"),
                    f"{result.full_days} / {result.started_hours}",
                )
            )
        return rows

    def _dk_rate_notes(self, result):
        env = self.env
        rates = env["hr.expense.dk.rate"].browse([rate.ref for rate in result.rates])
        notes = []
        for rate in rates:
            notes.append(
                env._(
                    "Rates %(period)s: food %(food)s, lodging %(lodging)s, hourly "
                    "%(hourly)s (Skattestyrelsen%(status)s). %(note)s",
                    period=rate.name,
                    food=formatLang(env, rate.food_rate),
                    lodging=formatLang(env, rate.lodging_rate),
                    hourly=formatLang(env, rate.hourly_supplement),
                    status=""
                    if rate.is_confirmed
                    else env._(", figure not yet confirmed by an administrator"),
                    note=rate.source_note or "",
                )
            )
        if result.spans_rate_change:
            notes.append(
                env._(
                    "The trip spans a change of rates: each 24-hour period and the "
                    "started hours after the last one use the rates valid on the day "
                    "they begin; meals use the rate of their day and lodging the rate "
                    "of the night."
                )
            )
        return notes

    def _dk_calculation_text(self, result):
        """The calculation as plain text (expense notes)."""
        env = self.env
        lines = [f"{label}: {value}" for label, value in self._dk_header_rows(result)]
        if not result.eligible:
            lines.append(self._dk_reason_text(result))
            return "\n".join(lines)
        for line in result.lines:
            lines.append(
                f"{self._dk_line_label(line)}: {line.quantity} × "
                f"{formatLang(env, float(line.unit_amount))} = "
                f"{formatLang(env, float(line.amount))}"
            )
        lines.append(
            env._(
                "Food allowance: %(amount)s",
                amount=formatLang(env, float(result.food_total)),
            )
        )
        lines.append(
            env._(
                "Lodging allowance: %(amount)s",
                amount=formatLang(env, float(result.lodging_total)),
            )
        )
        lines.extend(self._dk_rate_notes(result))
        return "\n".join(lines)

    def _dk_calculation_html(self, result, expense=None):
        """The calculation as an HTML document (wizard and attachment)."""
        env = self.env
        parts = [Markup('<div class="o_dk_per_diem">')]
        if expense is not None:
            parts.append(
                Markup("<h3>%s</h3><p>%s</p>")
                % (
                    env._("Danish per diem calculation"),
                    env._(
                        "Documentation for the expense line %(line)s (%(amount)s).",
                        line=expense.name,
                        amount=formatLang(
                            env,
                            expense.total_amount_currency,
                            currency_obj=self.currency_id,
                        ),
                    ),
                )
            )
        parts.append(Markup('<table class="table table-sm o_dk_per_diem_trip">'))
        for label, value in self._dk_header_rows(result):
            parts.append(Markup("<tr><th>%s</th><td>%s</td></tr>") % (label, value))
        parts.append(Markup("</table>"))
        if not result.eligible:
            parts.append(
                Markup('<p class="text-danger">%s</p>') % self._dk_reason_text(result)
            )
            parts.append(Markup("</div>"))
            return Markup("").join(parts)
        parts.append(
            Markup(
                '<table class="table table-sm o_dk_per_diem_lines"><thead><tr>'
                '<th>%s</th><th class="text-end">%s</th><th class="text-end">%s</th>'
                '<th class="text-end">%s</th></tr></thead><tbody>'
            )
            % (env._("Description"), env._("Quantity"), env._("Rate"), env._("Amount"))
        )
        for line in result.lines:
            parts.append(
                Markup(
                    '<tr><td>%s</td><td class="text-end">%s</td>'
                    '<td class="text-end">%s</td><td class="text-end">%s</td></tr>'
                )
                % (
                    self._dk_line_label(line),
                    line.quantity,
                    formatLang(env, float(line.unit_amount)),
                    formatLang(env, float(line.amount)),
                )
            )
        parts.append(Markup("</tbody><tfoot>"))
        for label, amount in (
            (env._("Food allowance"), result.food_total),
            (env._("Lodging allowance"), result.lodging_total),
            (env._("Total"), result.total),
        ):
            parts.append(
                Markup('<tr><th colspan="3">%s</th><th class="text-end">%s</th></tr>')
                % (label, formatLang(env, float(amount), currency_obj=self.currency_id))
            )
        parts.append(Markup("</tfoot></table><ul>"))
        for note in self._dk_rate_notes(result):
            parts.append(Markup("<li>%s</li>") % note)
        parts.append(Markup("</ul></div>"))
        return Markup("").join(parts)

    # ------------------------------------------------------------------
    # Action
    # ------------------------------------------------------------------
    def _dk_product(self, kind):
        product = self.env["product.product"].search(
            [
                ("dk_expense_kind", "=", kind),
                ("can_be_expensed", "=", True),
                ("company_id", "in", (False, self.company_id.id)),
            ],
            limit=1,
        )
        if not product:
            raise UserError(
                self.env._(
                    "No expense category is marked as Danish %(kind)s. An "
                    "administrator sets it under Expenses ▸ Configuration ▸ Expense "
                    "Categories.",
                    kind=dict(
                        self.env["product.template"]
                        ._fields["dk_expense_kind"]
                        ._description_selection(self.env)
                    )[kind],
                )
            )
        return product

    @api.model
    def _create_expenses_from_trip(self, values, meals=None):
        """Create the per-diem expenses of one trip without the form.

        ``values`` are wizard field values (employee_id, departure,
        return_datetime, destination, purpose, ...); ``meals`` maps an ISO date
        to the meals provided that day, e.g. ``{"2026-03-10": ["breakfast"]}``.
        Returns the created ``hr.expense`` records. Used by demo data and
        imports; raises UserError when the trip is not eligible.
        """
        wizard = self.create(values)
        for line in wizard.day_ids:
            provided = (meals or {}).get(line.day.isoformat(), ())
            line.write(
                {meal: meal in provided for meal in ("breakfast", "lunch", "dinner")}
            )
        action = wizard.action_create_expenses()
        return self.env["hr.expense"].search(action["domain"])

    def action_create_expenses(self):
        """Create the food and lodging expense lines, each with its calculation."""
        self.ensure_one()
        result, error = self._dk_calculate()
        if error or not result:
            raise UserError(error or self.env._("Enter the departure and the return."))
        if not result.eligible:
            raise UserError(self._dk_reason_text(result))
        env = self.env
        tz = self._dk_tz()
        first_day = perdiem.local_date(self.departure, tz)
        last_day = perdiem.local_date(self.return_datetime, tz)
        period = f"{format_date(env, first_day)} – {format_date(env, last_day)}"
        text = self._dk_calculation_text(result)
        base = {
            "employee_id": self.employee_id.id,
            "company_id": self.company_id.id,
            "date": last_day,
            "quantity": 1,
            "payment_mode": "own_account",
            "currency_id": self.currency_id.id,
            "dk_trip_departure": self.departure,
            "dk_trip_return": self.return_datetime,
            "dk_trip_destination": self.destination,
            "dk_trip_purpose": self.purpose,
            "dk_calculation": text,
            "description": text,
        }
        vals_list = [
            {
                **base,
                "name": env._(
                    "Food allowance %(destination)s, %(period)s",
                    destination=self.destination,
                    period=period,
                ),
                "product_id": self._dk_product("food").id,
                "total_amount_currency": float(result.food_total),
            }
        ]
        if result.lodging_total:
            vals_list.append(
                {
                    **base,
                    "name": env._(
                        "Lodging allowance %(destination)s, %(period)s",
                        destination=self.destination,
                        period=period,
                    ),
                    "product_id": self._dk_product("lodging").id,
                    "total_amount_currency": float(result.lodging_total),
                }
            )
        expenses = env["hr.expense"].create(vals_list)
        for expense in expenses:
            html = self._dk_calculation_html(result, expense=expense)
            document = (
                Markup(
                    '<!DOCTYPE html><html><head><meta charset="utf-8"/>'
                    "<title>%s</title></head><body>"
                )
                % expense.name
                + html
                + Markup("</body></html>")
            )
            attachment = env["ir.attachment"].create(
                {
                    "name": env._(
                        "Per diem calculation %(period)s.html", period=period
                    ).replace("/", "-"),
                    "res_model": "hr.expense",
                    "res_id": expense.id,
                    "mimetype": "text/html",
                    "datas": base64.b64encode(str(document).encode()),
                }
            )
            # A log note: works for employees without an e-mail address too.
            expense._message_log(
                body=env._(
                    "Danish per diem calculated for %(destination)s (%(purpose)s); the "
                    "calculation is attached.",
                    destination=self.destination,
                    purpose=self.purpose,
                ),
                attachment_ids=attachment.ids,
            )
            expense._message_set_main_attachment_id(attachment, force=True)
        action = env["ir.actions.act_window"]._for_xml_id(
            "hr_expense.hr_expense_actions_my_all"
        )
        action.update(
            {
                "domain": [("id", "in", expenses.ids)],
                "context": {},
                "view_mode": "list,form",
                "views": [(False, "list"), (False, "form")],
            }
        )
        return action
