"""Mileage arithmetic without Odoo: the 20,000 km threshold and dated rates."""

from datetime import date
from decimal import Decimal as D

import pytest

from tests.unit.expense_danish_rates.shipped import mileage_rates
from tests.unit.svc import load

mileage = load("expense_danish_rates", "mileage")

RATES = mileage_rates()


def test_threshold_crossed_inside_one_trip_2024():
    price = mileage.price_trip(500, "car", date(2024, 11, 12), RATES, km_before=19800)
    parts = [(part.band, part.km, part.unit_rate, part.amount) for part in price.parts]
    assert parts == [
        ("up_to_threshold", D(200), D("3.79"), D("758.00")),
        ("above_threshold", D(300), D("2.23"), D("669.00")),
    ]
    assert price.amount == D("1427.00")
    assert price.crosses_threshold
    assert price.km_after == D(20300)


def test_trip_ending_exactly_on_the_threshold_stays_at_the_high_rate():
    price = mileage.price_trip(200, "car", date(2024, 11, 12), RATES, km_before=19800)
    assert [part.band for part in price.parts] == ["up_to_threshold"]
    assert price.amount == D("758.00")


def test_trip_after_the_threshold_is_all_at_the_low_rate():
    price = mileage.price_trip(100, "car", date(2024, 12, 1), RATES, km_before=20000)
    assert [(part.band, part.amount) for part in price.parts] == [
        ("above_threshold", D("223.00"))
    ]


def test_may_2022_rate_change():
    before = mileage.price_trip(100, "car", date(2022, 4, 30), RATES)
    after = mileage.price_trip(100, "car", date(2022, 5, 2), RATES)
    assert before.amount == D("351.00")
    assert after.amount == D("370.00")
    assert mileage.price_trip(100, "car", date(2022, 5, 1), RATES).amount == D("370.00")


def test_bicycle_2026():
    price = mileage.price_trip(42, "bicycle", date(2026, 3, 3), RATES, km_before=25000)
    assert [(part.band, part.amount) for part in price.parts] == [
        ("bicycle", D("26.88"))
    ]
    assert price.km_after == D(25000)  # bicycles do not move the car counter


def test_fractional_km_round_half_up():
    # 12.5 × 3.79 = 47.375 → 47.38 (float round would give 47.37 or 47.38 by luck)
    assert mileage.line_amount(12.5, D("3.79")) == D("47.38")


def test_allocate_year_orders_the_counter_and_skips_locked_trips():
    trips = [
        mileage.Trip("a", date(2024, 1, 10), D(15000), "car", is_locked=True),
        mileage.Trip("b", date(2024, 6, 1), D(4800), "car"),
        mileage.Trip("bike", date(2024, 6, 2), D(30), "bicycle"),
        mileage.Trip("c", date(2024, 11, 12), D(500), "car"),
        mileage.Trip("d", date(2024, 12, 1), D(100), "car"),
    ]
    priced = mileage.allocate_year(trips, RATES)
    assert "a" not in priced
    assert priced["b"].amount == D("18192.00")  # 4,800 × 3.79
    assert priced["bike"].amount == D("18.60")
    assert priced["c"].amount == D("1427.00")
    assert priced["c"].km_before == D(19800)
    assert priced["d"].amount == D("223.00")


def test_allocate_year_refuses_mixed_years():
    trips = [
        mileage.Trip(1, date(2023, 12, 31), D(10), "car"),
        mileage.Trip(2, date(2024, 1, 1), D(10), "car"),
    ]
    with pytest.raises(mileage.MileageError):
        mileage.allocate_year(trips, RATES)


def test_missing_rate_and_bad_input():
    with pytest.raises(mileage.RateNotFound):
        mileage.price_trip(10, "car", date(2017, 6, 1), RATES)
    with pytest.raises(mileage.MileageError):
        mileage.price_trip(-1, "car", date(2024, 6, 1), RATES)
    with pytest.raises(mileage.MileageError):
        mileage.price_trip(1, "plane", date(2024, 6, 1), RATES)


def test_every_shipped_year_has_rates_for_every_day():
    for year in range(2018, 2027):
        for day in (
            date(year, 1, 1),
            date(year, 4, 30),
            date(year, 5, 1),
            date(year, 12, 31),
        ):
            assert mileage.find_rate(RATES, day).covers(day)
