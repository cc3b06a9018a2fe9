"""Danish tax-free mileage allowance (kørselsgodtgørelse, Ligningsloven § 9 B).

* Car or motorcycle: the high rate for the first 20,000 km per income
  (calendar) year **per employee per employer**, the low rate above. The trip
  that crosses the threshold is split into a part at each rate.
* Bicycle, moped, scooter, e-scooter: one rate regardless of distance.
* The rate is the one valid on the day of the trip (2022 changed on 1 May).

Amounts are ``Decimal`` rounded half-up to øre.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .money import to_decimal, to_ore

VEHICLE_CAR = "car"
VEHICLE_BICYCLE = "bicycle"
VEHICLES = (VEHICLE_CAR, VEHICLE_BICYCLE)

BAND_UP_TO_THRESHOLD = "up_to_threshold"
BAND_ABOVE_THRESHOLD = "above_threshold"
BAND_BICYCLE = "bicycle"

DEFAULT_THRESHOLD_KM = Decimal(20000)
ZERO_KM = Decimal(0)


class MileageError(ValueError):
    """Input that cannot describe a trip (negative distance, unknown vehicle)."""


class RateNotFound(LookupError):
    """No mileage rate covers ``day``; an administrator must add the rates."""

    def __init__(self, day):
        super().__init__(f"no mileage rate valid on {day.isoformat()}")
        self.day = day


@dataclass(frozen=True)
class MileageRate:
    valid_from: date
    valid_to: date | None
    car_up_to_threshold: Decimal
    car_above_threshold: Decimal
    bicycle: Decimal
    threshold_km: Decimal = DEFAULT_THRESHOLD_KM
    ref: object = None

    def covers(self, day):
        return self.valid_from <= day and (
            self.valid_to is None or day <= self.valid_to
        )


def find_rate(rates, day):
    """The rate covering ``day`` (latest start wins), or raise RateNotFound."""
    candidates = [rate for rate in rates if rate.covers(day)]
    if not candidates:
        raise RateNotFound(day)
    return max(candidates, key=lambda rate: rate.valid_from)


@dataclass(frozen=True)
class Part:
    """``km`` driven at ``unit_rate`` in ``band``: ``amount`` = km × rate."""

    band: str
    km: Decimal
    unit_rate: Decimal
    amount: Decimal


@dataclass
class TripPrice:
    """Price of one trip: its parts, the rate used and the year's counter."""

    vehicle: str
    km: Decimal
    rate: MileageRate
    km_before: Decimal
    parts: list = field(default_factory=list)

    @property
    def amount(self):
        return sum((part.amount for part in self.parts), Decimal("0.00"))

    @property
    def km_after(self):
        if self.vehicle == VEHICLE_CAR:
            return self.km_before + self.km
        return self.km_before

    @property
    def crosses_threshold(self):
        return len(self.parts) > 1


def line_amount(km, unit_rate):
    """km × rate, rounded half-up to øre (42 × 0.64 = 26.88)."""
    return to_ore(to_decimal(km) * to_decimal(unit_rate))


def price_trip(km, vehicle, day, rates, km_before=ZERO_KM):
    """Price one trip of ``km`` on ``day``, ``km_before`` car km already this year.

    Returns a :class:`TripPrice`; a car trip crossing the threshold has two
    parts (up to / above the threshold), every other trip one part.
    """
    km = to_decimal(km)
    km_before = to_decimal(km_before)
    if km < 0 or km_before < 0:
        raise MileageError("distances cannot be negative")
    if vehicle not in VEHICLES:
        raise MileageError(f"unknown vehicle {vehicle!r}")
    rate = find_rate(rates, day)
    price = TripPrice(vehicle=vehicle, km=km, rate=rate, km_before=km_before)
    if vehicle == VEHICLE_BICYCLE:
        unit = to_ore(rate.bicycle)
        price.parts.append(Part(BAND_BICYCLE, km, unit, line_amount(km, unit)))
        return price
    threshold = to_decimal(rate.threshold_km)
    room = max(threshold - km_before, ZERO_KM)
    low_km = min(km, room)
    high_km = km - low_km
    if low_km > 0 or high_km == 0:
        unit = to_ore(rate.car_up_to_threshold)
        price.parts.append(
            Part(BAND_UP_TO_THRESHOLD, low_km, unit, line_amount(low_km, unit))
        )
    if high_km > 0:
        unit = to_ore(rate.car_above_threshold)
        price.parts.append(
            Part(BAND_ABOVE_THRESHOLD, high_km, unit, line_amount(high_km, unit))
        )
    return price


@dataclass(frozen=True)
class Trip:
    """One trip in an employee's year; locked trips count but are not re-priced."""

    key: object
    day: date
    km: Decimal
    vehicle: str
    is_locked: bool = False


def allocate_year(trips, rates):
    """Price a year's trips of one employee at one employer, in the given order.

    ``trips`` must be one employee's trips at one employer in one calendar year,
    ordered (by date, then creation). Every car trip moves the 20,000 km counter,
    locked ones included (already approved or paid). Returns ``{key: TripPrice}``
    for the trips that are not locked.
    """
    counter = ZERO_KM
    priced = {}
    years = {trip.day.year for trip in trips}
    if len(years) > 1:
        raise MileageError("allocate_year works on one calendar year at a time")
    for trip in trips:
        km = to_decimal(trip.km)
        if not trip.is_locked:
            priced[trip.key] = price_trip(km, trip.vehicle, trip.day, rates, counter)
        if trip.vehicle == VEHICLE_CAR:
            counter += km
    return priced
