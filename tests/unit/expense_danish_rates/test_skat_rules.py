"""Skat's 12-month and 60-day rules without Odoo."""

from datetime import date, datetime, timedelta

from tests.unit.svc import load

rules = load("expense_danish_rates", "skat_rules")


def trip(key, start, days, workplace="Esbjerg Havn", employee=1):
    departure = datetime.combine(start, datetime.min.time()) + timedelta(hours=8)
    return rules.Trip(
        key=key,
        employee=employee,
        workplace=workplace,
        departure=departure,
        return_at=departure + timedelta(days=days),
    )


def test_place_key_ignores_case_and_spacing():
    assert rules.place_key("  Esbjerg   HAVN ") == rules.place_key("esbjerg havn")
    assert rules.place_key(None) == ""


def test_twelve_months_at_the_same_workplace():
    trips = [trip(n, date(2025, 1, 6) + timedelta(days=30 * n), 4) for n in range(14)]
    breaches = rules.twelve_month_breaches(trips)
    # 6 Jan 2025 + 12 months = 6 Jan 2026: the trip of 1 Feb 2026 is beyond it.
    assert sorted(breaches) == [13]
    assert breaches[13].since == date(2025, 1, 6)
    assert breaches[13].involved == tuple(range(14))


def test_a_trip_crossing_the_twelve_months_is_caught():
    breaches = rules.twelve_month_breaches(
        [
            trip("a", date(2025, 1, 6), 3),
            trip("m", date(2025, 4, 7), 3),
            trip("n", date(2025, 7, 7), 3),
            trip("o", date(2025, 10, 6), 3),
            trip("b", date(2026, 1, 4), 5),  # returns on 9 January 2026
        ]
    )
    assert list(breaches) == ["b"]
    assert breaches["b"].involved == ("a", "m", "n", "o", "b")


def test_a_four_month_break_starts_a_new_series():
    trips = [
        trip("a", date(2025, 1, 6), 3),
        trip("b", date(2025, 6, 2), 3),  # more than 4 months after "a"
        trip("c", date(2026, 5, 4), 3),  # 11 months after "b"
    ]
    assert rules.twelve_month_breaches(trips) == {}


def test_other_workplaces_and_employees_do_not_count():
    trips = [
        trip("a", date(2025, 1, 6), 3),
        trip("b", date(2025, 3, 6), 3, workplace="Odense"),
        trip("c", date(2025, 5, 6), 3, employee=2),
        trip("d", date(2025, 7, 6), 3, workplace=""),
    ]
    assert rules.twelve_month_breaches(trips) == {}


def drive(key, day, destination="Fynbo Energi, Odense", employee=1):
    return rules.Drive(key=key, employee=employee, destination=destination, day=day)


def test_the_sixty_first_day_in_twelve_months_breaks_the_rule():
    drives = [drive(n, date(2026, 1, 1) + timedelta(days=n)) for n in range(61)]
    breaches = rules.sixty_day_breaches(drives)
    assert list(breaches) == [60]
    assert breaches[60].days == 61
    assert breaches[60].involved == tuple(range(61))


def test_two_expenses_on_one_day_are_one_day():
    drives = [drive(n, date(2026, 1, 1) + timedelta(days=n)) for n in range(60)]
    drives.append(drive("again", date(2026, 1, 1)))
    assert rules.sixty_day_breaches(drives) == {}


def test_days_older_than_twelve_months_drop_out():
    drives = [drive(n, date(2025, 1, 1) + timedelta(days=n)) for n in range(40)]
    drives += [drive(100 + n, date(2026, 1, 1) + timedelta(days=n)) for n in range(40)]
    assert rules.sixty_day_breaches(drives) == {}
    drives.append(drive("other", date(2026, 1, 1), destination="Aarhus"))
    drives.append(drive("mads", date(2026, 1, 1), employee=2))
    assert rules.sixty_day_breaches(drives) == {}
