"""The rules Skattestyrelsen checks on tax-free travel allowances.

An allowance that breaks one of them is taxable as a whole; these checks only
find the expenses concerned so that the approver decides before approving.

* 12-month rule (LL § 9 A): travel allowance is tax-free only for the first
  12 months at the same temporary workplace. A series of trips to a workplace
  starts again after a break of at least ``WORKPLACE_BREAK_MONTHS`` months
  without a trip there.
* 60-day rule (LL § 9 B): driving between home and the same temporary
  workplace is business driving on at most 60 days in any 12 months.

Nothing here imports Odoo: records are described by the dataclasses below.
"""

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

WORKPLACE_MONTHS = 12
WORKPLACE_BREAK_MONTHS = 4
DRIVING_DAYS_LIMIT = 60
DRIVING_WINDOW_MONTHS = 12


def place_key(text):
    """The same place whatever the case and spacing ('Esbjerg  HAVN')."""
    return " ".join((text or "").split()).casefold()


@dataclass(frozen=True)
class Trip:
    """A per-diem trip: ``key`` identifies it, ``lines`` are its expense lines."""

    key: object
    employee: object
    workplace: str
    departure: datetime
    return_at: datetime
    lines: tuple = ()


@dataclass(frozen=True)
class Drive:
    """A day of driving to ``destination`` on one mileage expense ``key``."""

    key: object
    employee: object
    destination: str
    day: date


@dataclass(frozen=True)
class Breach:
    """``key`` breaks the rule; ``since`` is the series or window start,
    ``involved`` the keys (trips or drives) that make it up, ``days`` the
    number of driving days in the window (60-day rule)."""

    key: object
    since: date
    involved: tuple
    days: int = 0


def twelve_month_breaches(trips):
    """Trips that end more than 12 months after their series at the same
    workplace began, as {trip key: Breach}."""
    series = {}
    for trip in trips:
        if not place_key(trip.workplace):
            continue
        series.setdefault((trip.employee, place_key(trip.workplace)), []).append(trip)
    breaches = {}
    for group in series.values():
        group.sort(key=lambda t: (t.departure, t.return_at))
        current, last_return = [], None
        for trip in group:
            if (
                last_return is not None
                and trip.departure
                >= last_return + relativedelta(months=WORKPLACE_BREAK_MONTHS)
            ):
                current = []
            current.append(trip)
            last_return = max(last_return or trip.return_at, trip.return_at)
            start = current[0].departure
            if trip.return_at > start + relativedelta(months=WORKPLACE_MONTHS):
                breaches[trip.key] = Breach(
                    key=trip.key,
                    since=start.date(),
                    involved=tuple(t.key for t in current),
                )
    return breaches


def sixty_day_breaches(drives):
    """Drives on a day when the employee has driven to the same destination on
    more than 60 days of the 12 months up to it, as {drive key: Breach}."""
    groups = {}
    for drive in drives:
        if not place_key(drive.destination):
            continue
        groups.setdefault((drive.employee, place_key(drive.destination)), []).append(
            drive
        )
    breaches = {}
    for group in groups.values():
        group.sort(key=lambda d: d.day)
        for drive in group:
            start = (
                drive.day
                - relativedelta(months=DRIVING_WINDOW_MONTHS)
                + relativedelta(days=1)
            )
            window = [d for d in group if start <= d.day <= drive.day]
            days = len({d.day for d in window})
            if days > DRIVING_DAYS_LIMIT:
                breaches[drive.key] = Breach(
                    key=drive.key,
                    since=start,
                    involved=tuple(d.key for d in window),
                    days=days,
                )
    return breaches
