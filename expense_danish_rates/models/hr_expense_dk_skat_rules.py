from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from ..services import mileage, skat_rules
from ..services.money import to_decimal
from .product_template import DK_MILEAGE_KINDS

# A warning lists at most this many expenses by name, then counts the rest.
MAX_NAMED_EXPENSES = 10


class HrExpenseDkSkatRules(models.AbstractModel):
    """The rules Skattestyrelsen checks on Danish allowances, as warnings.

    One home for them, apart from the pricing in hr_expense.py: each
    ``_dk_check_*`` method adds the warnings of one rule for ``expenses``.
    """

    _name = "hr.expense.dk.skat.rules"
    _description = "Skat Rules on Danish Allowances"

    def _dk_warnings(self, expenses):
        """{expense: [warning, ...]} for the Danish allowances in ``expenses``."""
        result = defaultdict(list)
        expenses = expenses.filtered(
            lambda e: e.dk_expense_kind and e.state != "refused" and e.employee_id
        )
        if not expenses:
            return result
        self._dk_check_twelve_month_rule(expenses, result)
        self._dk_check_sixty_day_rule(expenses, result)
        self._dk_check_missing_information(expenses, result)
        self._dk_check_above_rate(expenses, result)
        return result

    def _dk_expense_names(self, records):
        env = self.env
        names = [
            env._(
                "%(name)s (%(date)s)",
                name=record.name,
                date=format_date(env, record.date),
            )
            for record in records[:MAX_NAMED_EXPENSES]
        ]
        text = ", ".join(names)
        if len(records) > MAX_NAMED_EXPENSES:
            text = env._(
                "%(names)s and %(count)s more",
                names=text,
                count=len(records) - MAX_NAMED_EXPENSES,
            )
        return text

    def _dk_check_twelve_month_rule(self, expenses, result):
        per_diem = expenses.filtered("dk_trip_departure")
        if not per_diem:
            return
        lines = expenses.sudo().search(
            [
                ("employee_id", "in", per_diem.employee_id.ids),
                ("dk_trip_departure", "!=", False),
                ("state", "!=", "refused"),
            ],
            order="dk_trip_departure, id",
        )

        def trip_key(line):
            return (
                line.employee_id.id,
                line.dk_trip_departure,
                line.dk_trip_return,
                skat_rules.place_key(line.dk_trip_destination),
            )

        trips = defaultdict(lambda: expenses.browse())
        for line in lines:
            trips[trip_key(line)] |= line
        breaches = skat_rules.twelve_month_breaches(
            [
                skat_rules.Trip(
                    key=key,
                    employee=key[0],
                    workplace=records[0].dk_trip_destination,
                    departure=key[1],
                    return_at=key[2] or key[1],
                )
                for key, records in trips.items()
            ]
        )
        env = self.env
        for expense in per_diem:
            breach = breaches.get(trip_key(expense))
            if not breach:
                continue
            involved = expenses.browse().union(*(trips[key] for key in breach.involved))
            result[expense].append(
                env._(
                    "12-month rule: %(workplace)s has been this employee's temporary "
                    "workplace since %(since)s, and this trip ends more than 12 months "
                    "later; the travel allowance is taxable. Expenses: %(expenses)s",
                    workplace=expense.dk_trip_destination,
                    since=format_date(env, breach.since),
                    expenses=self._dk_expense_names(involved),
                )
            )

    def _dk_check_sixty_day_rule(self, expenses, result):
        drives = expenses.filtered(
            lambda e: (
                e.dk_expense_kind in DK_MILEAGE_KINDS
                and not e.mileage_split_parent_id
                and e.date
                and e.mileage_to
            )
        )
        if not drives:
            return
        window = relativedelta(months=skat_rules.DRIVING_WINDOW_MONTHS)
        lines = expenses.sudo().search(
            [
                ("employee_id", "in", drives.employee_id.ids),
                ("product_id.dk_expense_kind", "in", DK_MILEAGE_KINDS),
                ("mileage_split_parent_id", "=", False),
                ("state", "!=", "refused"),
                ("date", ">", min(drives.mapped("date")) - window),
                ("date", "<=", max(drives.mapped("date"))),
            ],
            order="date, id",
        )
        by_id = {line.id: line for line in lines}
        breaches = skat_rules.sixty_day_breaches(
            [
                skat_rules.Drive(
                    key=line.id,
                    employee=line.employee_id.id,
                    destination=line.mileage_to,
                    day=line.date,
                )
                for line in lines
            ]
        )
        env = self.env
        for expense in drives:
            breach = breaches.get(expense._origin.id)
            if not breach:
                continue
            involved = expenses.browse().union(*(by_id[key] for key in breach.involved))
            result[expense].append(
                env._(
                    "60-day rule: driving to %(destination)s on %(days)s days between "
                    "%(since)s and %(date)s, more than 60 days in 12 months; driving "
                    "between home and this workplace is no longer tax-free. "
                    "Expenses: %(expenses)s",
                    destination=expense.mileage_to,
                    days=breach.days,
                    since=format_date(env, breach.since),
                    date=format_date(env, expense.date),
                    expenses=self._dk_expense_names(involved),
                )
            )

    def _dk_check_missing_information(self, expenses, result):
        env = self.env
        for expense in expenses:
            if expense.mileage_split_parent_id:
                continue  # its trip carries the driving log
            if expense.dk_expense_kind in DK_MILEAGE_KINDS:
                required = ("dk_trip_purpose", "mileage_from", "mileage_to")
            elif expense.dk_trip_departure:
                required = ("dk_trip_purpose", "dk_trip_destination")
            else:
                continue
            missing = [
                expenses._fields[name]._description_string(env)
                for name in required
                if not (expense[name] or "").strip()
            ]
            if missing:
                result[expense].append(
                    env._(
                        "Missing purpose or route: %(expense)s has no %(fields)s; "
                        "Skat requires them to document a tax-free allowance.",
                        expense=self._dk_expense_names(expense),
                        fields=", ".join(missing),
                    )
                )

    def _dk_check_above_rate(self, expenses, result):
        lines = expenses.filtered(
            lambda e: e.dk_expense_kind in DK_MILEAGE_KINDS and e.date
        )
        if not lines:
            return
        env = self.env
        rates = env["hr.expense.dk.mileage.rate"].sudo()._dk_service_rates()
        for expense in lines:
            try:
                rate = mileage.find_rate(rates, expense.date)
            except mileage.RateNotFound:
                continue  # pricing refuses such a trip with its own message
            if expense.mileage_vehicle == mileage.VEHICLE_BICYCLE:
                unit_rate = rate.bicycle
            elif expense.mileage_band == mileage.BAND_ABOVE_THRESHOLD:
                unit_rate = rate.car_above_threshold
            else:
                unit_rate = rate.car_up_to_threshold
            paid = to_decimal(expense.total_amount_currency)
            allowed = mileage.line_amount(to_decimal(expense.quantity), unit_rate)
            trip = expense.mileage_split_parent_id or expense
            paid_km = sum((trip | trip.mileage_split_child_ids).mapped("quantity"))
            too_many_km = paid_km - trip.mileage_km > 0.005
            if paid <= allowed and not too_many_km:
                continue
            result[expense].append(
                env._(
                    "Above the rate: %(expense)s pays %(paid)s for %(km)s km of the "
                    "%(driven)s km driven; the rate valid on %(date)s is %(rate)s per "
                    "km. Paying above the rate makes the whole allowance taxable.",
                    expense=self._dk_expense_names(expense),
                    paid=formatLang(env, float(paid), currency_obj=expense.currency_id),
                    km=formatLang(env, expense.quantity),
                    driven=formatLang(env, trip.mileage_km),
                    date=format_date(env, expense.date),
                    rate=formatLang(env, float(unit_rate)),
                )
            )
