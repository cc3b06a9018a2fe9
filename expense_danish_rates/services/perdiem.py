"""Danish tax-free per diem (diæter): food and lodging allowance for one trip.

Rules (Ligningsloven § 9 A, Skattestyrelsen):

* eligible only when the trip lasts at least 24 hours **and** includes an
  overnight stay away from home;
* every full 24 hours gives the daily food rate; after the last full 24 hours
  every *started* hour gives the hourly supplement (1/24 of the food rate);
* every meal provided free reduces the food allowance by a share of the daily
  food rate (breakfast 15 %, lunch 30 %, dinner 30 %); the remaining share
  (småfornødenheder, 25 %) is always paid, so reductions never take the food
  allowance below that share;
* every night with lodging at the standard rate gives the lodging rate; nights
  paid on receipt or provided free give no lodging allowance.

Rates are chosen by date. A trip spanning a rate change uses, for each 24-hour
period and for the started hours after the last one, the rate valid on the
(local) date the period begins; meal reductions use the rate of the meal's day
and lodging the rate of the night's date.

Amounts are ``Decimal`` rounded half-up to øre per breakdown line.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from .money import percent_of, to_decimal, to_ore

DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)

LODGING_STANDARD = "standard"
LODGING_RECEIPT = "receipt"
LODGING_PROVIDED = "provided"
LODGING_MODES = (LODGING_STANDARD, LODGING_RECEIPT, LODGING_PROVIDED)

# Reasons a trip is not eligible; the Odoo side turns them into sentences.
REASON_TOO_SHORT = "too_short"
REASON_NO_OVERNIGHT = "no_overnight"

# Kinds of breakdown lines; the Odoo side turns them into sentences.
LINE_FULL_DAYS = "full_days"
LINE_STARTED_HOURS = "started_hours"
LINE_BREAKFAST = "breakfast"
LINE_LUNCH = "lunch"
LINE_DINNER = "dinner"
LINE_SMALL_EXPENSES_FLOOR = "small_expenses_floor"
LINE_LODGING_STANDARD = "lodging_standard"
LINE_LODGING_RECEIPT = "lodging_receipt"
LINE_LODGING_PROVIDED = "lodging_provided"

CATEGORY_FOOD = "food"
CATEGORY_LODGING = "lodging"


class PerDiemError(ValueError):
    """Input that cannot describe a trip (return before departure...)."""


class RateNotFound(LookupError):
    """No rate covers ``day``; an administrator must add the year's rates."""

    def __init__(self, day):
        super().__init__(f"no per-diem rate valid on {day.isoformat()}")
        self.day = day


def hourly_supplement(food_rate):
    """1/24 of the daily food rate, rounded half-up to øre (555 → 23.13)."""
    return to_ore(to_decimal(food_rate) / Decimal(24))


@dataclass(frozen=True)
class PerDiemRate:
    """Rates valid from ``valid_from`` to ``valid_to`` (inclusive, None = open)."""

    valid_from: date
    valid_to: date | None
    food: Decimal
    lodging: Decimal
    hourly: Decimal | None = None
    breakfast_pct: Decimal = Decimal(15)
    lunch_pct: Decimal = Decimal(30)
    dinner_pct: Decimal = Decimal(30)
    ref: object = None

    def covers(self, day):
        return self.valid_from <= day and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def hourly_amount(self):
        if self.hourly is not None:
            return to_ore(self.hourly)
        return hourly_supplement(self.food)

    @property
    def meals_pct(self):
        return (
            to_decimal(self.breakfast_pct)
            + to_decimal(self.lunch_pct)
            + to_decimal(self.dinner_pct)
        )


def find_rate(rates, day):
    """The rate covering ``day`` (latest start wins), or raise RateNotFound."""
    candidates = [rate for rate in rates if rate.covers(day)]
    if not candidates:
        raise RateNotFound(day)
    return max(candidates, key=lambda rate: rate.valid_from)


@dataclass(frozen=True)
class MealDay:
    """Meals provided free on one calendar day of the trip."""

    day: date
    breakfast: bool = False
    lunch: bool = False
    dinner: bool = False


@dataclass(frozen=True)
class Night:
    """How the night starting on ``day`` is lodged: standard rate, receipt or free."""

    day: date
    lodging: str = LODGING_STANDARD


@dataclass(frozen=True)
class Line:
    """One line of the breakdown: ``quantity`` × ``unit_amount`` = ``amount``."""

    kind: str
    category: str
    quantity: int
    unit_amount: Decimal
    amount: Decimal
    day: date
    rate: PerDiemRate | None = None


@dataclass
class PerDiemResult:
    eligible: bool
    duration: timedelta
    reason: str | None = None
    full_days: int = 0
    started_hours: int = 0
    lines: list = field(default_factory=list)
    rates: list = field(default_factory=list)

    @property
    def food_lines(self):
        return [line for line in self.lines if line.category == CATEGORY_FOOD]

    @property
    def lodging_lines(self):
        return [line for line in self.lines if line.category == CATEGORY_LODGING]

    @property
    def food_total(self):
        return sum((line.amount for line in self.food_lines), Decimal("0.00"))

    @property
    def lodging_total(self):
        return sum((line.amount for line in self.lodging_lines), Decimal("0.00"))

    @property
    def total(self):
        return self.food_total + self.lodging_total

    @property
    def spans_rate_change(self):
        return len({id(rate) for rate in self.rates}) > 1


def local_date(moment_utc, tz):
    """Calendar date in ``tz`` of a naive UTC datetime."""
    return moment_utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz)).date()


def trip_days(departure_utc, return_utc, tz="Europe/Copenhagen"):
    """Local calendar days the trip touches, first to last."""
    first = local_date(departure_utc, tz)
    last = local_date(return_utc, tz)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def trip_nights(departure_utc, return_utc, tz="Europe/Copenhagen"):
    """Local dates of the nights spent away (each day but the last)."""
    return trip_days(departure_utc, return_utc, tz)[:-1]


def split_duration(duration):
    """(full 24-hour periods, started hours after the last full period)."""
    full_days = duration // DAY
    rest = duration - full_days * DAY
    started_hours = math.ceil(rest / HOUR) if rest > timedelta(0) else 0
    return full_days, started_hours


def compute_per_diem(
    departure_utc,
    return_utc,
    rates,
    *,
    overnight=True,
    meals=(),
    nights=None,
    tz="Europe/Copenhagen",
):
    """Compute the food and lodging allowance of one trip.

    ``departure_utc`` and ``return_utc`` are naive UTC datetimes (as Odoo stores
    them): the duration is exact across daylight-saving changes, while dates
    (rates, meals, nights) are taken in ``tz``. ``meals`` is an iterable of
    :class:`MealDay`; ``nights`` an iterable of :class:`Night` (default: every
    night at the standard rate). Raises :class:`RateNotFound` when a needed
    rate is missing and :class:`PerDiemError` for impossible input.
    """
    if not isinstance(departure_utc, datetime) or not isinstance(return_utc, datetime):
        raise PerDiemError("departure and return must be datetimes")
    if return_utc <= departure_utc:
        raise PerDiemError("the return must come after the departure")
    duration = return_utc - departure_utc
    result = PerDiemResult(eligible=False, duration=duration)
    if duration < DAY:
        result.reason = REASON_TOO_SHORT
        return result
    if not overnight:
        result.reason = REASON_NO_OVERNIGHT
        return result
    result.eligible = True
    result.full_days, result.started_hours = split_duration(duration)
    used_rates = []

    def rate_on(day):
        rate = find_rate(rates, day)
        if not any(rate is used for used in used_rates):
            used_rates.append(rate)
        return rate

    _add_food_lines(result, departure_utc, tz, rate_on)
    _add_meal_lines(result, departure_utc, return_utc, meals, tz, rate_on)
    _add_lodging_lines(result, departure_utc, return_utc, nights, tz, rate_on)
    result.rates = used_rates
    return result


def _add_food_lines(result, departure_utc, tz, rate_on):
    # Consecutive full periods under the same rate are grouped into one line.
    groups = []
    for index in range(result.full_days):
        day = local_date(departure_utc + index * DAY, tz)
        rate = rate_on(day)
        if groups and groups[-1][1] is rate:
            groups[-1][2] += 1
        else:
            groups.append([day, rate, 1])
    for day, rate, count in groups:
        unit = to_ore(rate.food)
        result.lines.append(
            Line(
                LINE_FULL_DAYS,
                CATEGORY_FOOD,
                count,
                unit,
                to_ore(unit * count),
                day,
                rate,
            )
        )
    if result.started_hours:
        day = local_date(departure_utc + result.full_days * DAY, tz)
        rate = rate_on(day)
        unit = rate.hourly_amount
        result.lines.append(
            Line(
                LINE_STARTED_HOURS,
                CATEGORY_FOOD,
                result.started_hours,
                unit,
                to_ore(unit * result.started_hours),
                day,
                rate,
            )
        )


def _add_meal_lines(result, departure_utc, return_utc, meals, tz, rate_on):
    days = set(trip_days(departure_utc, return_utc, tz))
    gross = result.food_total
    floor = sum(
        (
            percent_of(line.amount, Decimal(100) - line.rate.meals_pct)
            for line in result.food_lines
        ),
        Decimal("0.00"),
    )
    counted = {}
    for meal_day in meals:
        if meal_day.day not in days:
            raise PerDiemError(f"{meal_day.day.isoformat()} is not a day of the trip")
        rate = rate_on(meal_day.day)
        for kind, provided, pct in (
            (LINE_BREAKFAST, meal_day.breakfast, rate.breakfast_pct),
            (LINE_LUNCH, meal_day.lunch, rate.lunch_pct),
            (LINE_DINNER, meal_day.dinner, rate.dinner_pct),
        ):
            if not provided:
                continue
            unit = percent_of(rate.food, pct)
            key = (kind, id(rate))
            if key in counted:
                counted[key][2] += 1
            else:
                counted[key] = [kind, rate, 1, unit, meal_day.day]
    reductions = Decimal("0.00")
    for kind, rate, count, unit, day in sorted(
        counted.values(), key=lambda item: (item[4], item[0])
    ):
        amount = to_ore(unit * count)
        reductions += amount
        result.lines.append(Line(kind, CATEGORY_FOOD, count, -unit, -amount, day, rate))
    if gross - reductions < floor:
        # Småfornødenheder: the share not tied to meals is always paid.
        first_day = result.food_lines[0].day
        topup = floor - (gross - reductions)
        result.lines.append(
            Line(LINE_SMALL_EXPENSES_FLOOR, CATEGORY_FOOD, 1, topup, topup, first_day)
        )


def _add_lodging_lines(result, departure_utc, return_utc, nights, tz, rate_on):
    night_days = trip_nights(departure_utc, return_utc, tz)
    modes = {night: LODGING_STANDARD for night in night_days}
    for night in nights or ():
        if night.day not in modes:
            raise PerDiemError(f"{night.day.isoformat()} is not a night of the trip")
        if night.lodging not in LODGING_MODES:
            raise PerDiemError(f"unknown lodging mode {night.lodging!r}")
        modes[night.day] = night.lodging
    groups = []
    for night in night_days:
        mode = modes[night]
        rate = rate_on(night) if mode == LODGING_STANDARD else None
        if groups and groups[-1][0] == mode and groups[-1][1] is rate:
            groups[-1][3] += 1
        else:
            groups.append([mode, rate, night, 1])
    kinds = {
        LODGING_STANDARD: LINE_LODGING_STANDARD,
        LODGING_RECEIPT: LINE_LODGING_RECEIPT,
        LODGING_PROVIDED: LINE_LODGING_PROVIDED,
    }
    for mode, rate, night, count in groups:
        unit = to_ore(rate.lodging) if rate else Decimal("0.00")
        result.lines.append(
            Line(
                kinds[mode],
                CATEGORY_LODGING,
                count,
                unit,
                to_ore(unit * count),
                night,
                rate,
            )
        )
