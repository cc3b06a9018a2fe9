"""Per-diem arithmetic without Odoo: worked examples and boundaries."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from tests.unit.expense_danish_rates.shipped import per_diem_rates
from tests.unit.svc import load

perdiem = load("expense_danish_rates", "perdiem")
money = load("expense_danish_rates", "money")

RATES = per_diem_rates()


def utc(*args):
    """Copenhagen wall-clock time in winter (CET = UTC+1) as naive UTC."""
    return datetime(*args) - timedelta(hours=1)


def utc_summer(*args):
    """Copenhagen wall-clock time in summer (CEST = UTC+2) as naive UTC."""
    return datetime(*args) - timedelta(hours=2)


def test_worked_example_2018():
    result = perdiem.compute_per_diem(
        utc(2018, 3, 5, 8, 0),
        utc(2018, 3, 7, 13, 30),
        RATES,
        meals=[
            perdiem.MealDay(date(2018, 3, 6), breakfast=True),
            perdiem.MealDay(date(2018, 3, 7), breakfast=True),
        ],
    )
    assert result.eligible
    assert (result.full_days, result.started_hours) == (2, 6)
    kinds = [
        (line.kind, line.quantity, line.unit_amount, line.amount)
        for line in result.lines
    ]
    assert kinds == [
        ("full_days", 2, D("498.00"), D("996.00")),
        ("started_hours", 6, D("20.75"), D("124.50")),
        ("breakfast", 2, D("-74.70"), D("-149.40")),
        ("lodging_standard", 2, D("214.00"), D("428.00")),
    ]
    assert result.food_total == D("971.10")
    assert result.lodging_total == D("428.00")
    assert result.total == D("1399.10")


def test_exactly_24_hours_is_one_full_day_without_hours():
    result = perdiem.compute_per_diem(utc(2024, 3, 4, 9), utc(2024, 3, 5, 9), RATES)
    assert result.eligible
    assert (result.full_days, result.started_hours) == (1, 0)
    assert result.food_total == D("574.00")
    assert result.lodging_total == D("246.00")


def test_24_hours_and_one_minute_adds_one_started_hour():
    result = perdiem.compute_per_diem(utc(2024, 3, 4, 9), utc(2024, 3, 5, 9, 1), RATES)
    assert (result.full_days, result.started_hours) == (1, 1)
    assert result.food_total == D("597.92")  # 574.00 + 23.92


def test_one_minute_short_of_24_hours_is_not_eligible():
    result = perdiem.compute_per_diem(utc(2024, 3, 4, 9), utc(2024, 3, 5, 8, 59), RATES)
    assert not result.eligible
    assert result.reason == perdiem.REASON_TOO_SHORT
    assert result.lines == []
    assert result.total == D("0.00")


def test_no_overnight_stay_is_not_eligible_even_after_24_hours():
    result = perdiem.compute_per_diem(
        utc(2024, 3, 4, 9), utc(2024, 3, 6, 9), RATES, overnight=False
    )
    assert not result.eligible
    assert result.reason == perdiem.REASON_NO_OVERNIGHT
    assert result.total == D("0.00")


def test_all_meals_provided_leaves_the_small_expenses_share():
    # 2 full days in 2024; all meals provided on all three calendar days.
    start, end = utc(2024, 3, 4, 9), utc(2024, 3, 6, 9)
    meals = [
        perdiem.MealDay(day, breakfast=True, lunch=True, dinner=True)
        for day in perdiem.trip_days(start, end)
    ]
    result = perdiem.compute_per_diem(start, end, RATES, meals=meals)
    # Gross 2 × 574 = 1,148.00; 25 % (småfornødenheder) = 287.00 is always paid.
    assert result.food_total == D("287.00")
    floor = [line for line in result.lines if line.kind == "small_expenses_floor"]
    assert len(floor) == 1
    reductions = sum(line.amount for line in result.lines if line.amount < 0)
    assert reductions == D("-1291.50")  # 3 × (86.10 + 172.20 + 172.20)


def test_all_meals_on_each_full_day_equals_25_percent_without_floor():
    start, end = utc(2024, 3, 4, 9), utc(2024, 3, 6, 9)
    meals = [
        perdiem.MealDay(date(2024, 3, 4), lunch=True, dinner=True),
        perdiem.MealDay(date(2024, 3, 5), breakfast=True, lunch=True, dinner=True),
        perdiem.MealDay(date(2024, 3, 6), breakfast=True),
    ]
    result = perdiem.compute_per_diem(start, end, RATES, meals=meals)
    assert result.food_total == D("287.00")
    assert not [line for line in result.lines if line.kind == "small_expenses_floor"]


def test_lodging_receipt_and_provided_nights_give_no_lodging_allowance():
    start, end = utc(2024, 3, 4, 9), utc(2024, 3, 7, 12)
    nights = [
        perdiem.Night(date(2024, 3, 4), perdiem.LODGING_RECEIPT),
        perdiem.Night(date(2024, 3, 5), perdiem.LODGING_PROVIDED),
    ]
    result = perdiem.compute_per_diem(start, end, RATES, nights=nights)
    lodging = [(line.kind, line.quantity, line.amount) for line in result.lodging_lines]
    assert lodging == [
        ("lodging_receipt", 1, D("0.00")),
        ("lodging_provided", 1, D("0.00")),
        ("lodging_standard", 1, D("246.00")),
    ]
    assert result.lodging_total == D("246.00")


def test_trip_over_new_year_uses_each_period_start_date():
    # 30 Dec 2025 08:00 → 2 Jan 2026 10:00: periods start 30, 31 Dec (2025) and
    # 1 Jan (2026); the 2 started hours begin on 2 Jan (2026).
    result = perdiem.compute_per_diem(utc(2025, 12, 30, 8), utc(2026, 1, 2, 10), RATES)
    food = [(line.kind, line.quantity, line.unit_amount) for line in result.food_lines]
    assert food == [
        ("full_days", 2, D("597.00")),
        ("full_days", 1, D("625.00")),
        ("started_hours", 2, D("26.04")),
    ]
    assert result.food_total == D("1871.08")
    # Nights 30 and 31 Dec at 256.00, 1 Jan at 268.00.
    assert result.lodging_total == D("780.00")
    assert result.spans_rate_change


def test_duration_is_exact_across_daylight_saving_change():
    # 30 Mar 2024 12:00 CET → 31 Mar 2024 12:00 CEST is only 23 real hours.
    result = perdiem.compute_per_diem(
        utc(2024, 3, 30, 12), utc_summer(2024, 3, 31, 12), RATES
    )
    assert result.duration == timedelta(hours=23)
    assert not result.eligible


def test_missing_rate_is_reported_with_its_date():
    with pytest.raises(perdiem.RateNotFound) as error:
        perdiem.compute_per_diem(utc(2017, 3, 1, 8), utc(2017, 3, 3, 8), RATES)
    assert error.value.day == date(2017, 3, 1)


def test_return_before_departure_is_rejected():
    with pytest.raises(perdiem.PerDiemError):
        perdiem.compute_per_diem(utc(2024, 3, 5, 8), utc(2024, 3, 4, 8), RATES)


def test_meal_outside_the_trip_is_rejected():
    with pytest.raises(perdiem.PerDiemError):
        perdiem.compute_per_diem(
            utc(2024, 3, 4, 8),
            utc(2024, 3, 5, 9),
            RATES,
            meals=[perdiem.MealDay(date(2024, 3, 9), lunch=True)],
        )


@pytest.mark.parametrize(
    ("food", "hourly"),
    [
        ("498.00", "20.75"),
        ("509.00", "21.21"),
        ("521.00", "21.71"),
        ("532.00", "22.17"),
        ("539.00", "22.46"),
        ("555.00", "23.13"),  # 23.125: float round() would give 23.12
        ("574.00", "23.92"),
        ("597.00", "24.88"),  # 24.875
        ("625.00", "26.04"),
    ],
)
def test_hourly_supplement_is_one_24th_rounded_half_up(food, hourly):
    assert perdiem.hourly_supplement(D(food)) == D(hourly)


def test_money_rounds_half_up_not_bankers():
    assert money.to_ore(D("23.125")) == D("23.13")
    assert money.to_ore(0.125) == D("0.13")
    assert money.percent_of(D("574.00"), 30) == D("172.20")


def test_shipped_food_rates_give_the_published_hourly_supplements():
    # Hourly supplements Skattestyrelsen published (the data ships none: 1/24).
    published = {2018: "20.75", 2020: "21.71", 2024: "23.92", 2025: "24.88"}
    by_year = {rate.ref: rate for rate in RATES}
    assert sorted(by_year) == list(range(2018, 2027))
    for year, hourly in published.items():
        assert by_year[year].hourly_amount == D(hourly), year


def test_meal_reductions_follow_the_published_table():
    published = {
        2018: ("74.70", "149.40", "124.50"),
        2022: ("80.85", "161.70", "134.75"),
        2023: ("83.25", "166.50", "138.75"),
        2024: ("86.10", "172.20", "143.50"),
        2025: ("89.55", "179.10", "149.25"),
    }
    for rate in RATES:
        if rate.ref not in published:
            continue
        breakfast, lunch, rest = published[rate.ref]
        assert money.percent_of(rate.food, rate.breakfast_pct) == D(breakfast)
        assert money.percent_of(rate.food, rate.lunch_pct) == D(lunch)
        assert money.percent_of(rate.food, 100 - rate.meals_pct) == D(rest)
