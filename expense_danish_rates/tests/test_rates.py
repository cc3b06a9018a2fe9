from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from .common import DanishRatesCase

# Skattestyrelsen's figures the shipped data must hold.
# year: (food, lodging, published hourly supplement or None for food/24, confirmed)
PER_DIEM = {
    2018: (498.00, 214.00, 20.75, True),
    2019: (509.00, 219.00, 21.21, False),
    2020: (521.00, 223.00, 21.71, True),
    2021: (532.00, 228.00, None, False),
    2022: (539.00, 231.00, None, False),
    2023: (555.00, 238.00, None, False),
    2024: (574.00, 246.00, 23.92, True),
    2025: (597.00, 256.00, 24.88, True),
    2026: (625.00, 268.00, None, False),
}
# (valid from, valid to, car up to 20,000 km, car above, bicycle/moped)
MILEAGE = [
    (date(2018, 1, 1), date(2018, 12, 31), 3.54, 1.94, 0.53),
    (date(2019, 1, 1), date(2019, 12, 31), 3.56, 1.98, 0.53),
    (date(2020, 1, 1), date(2020, 12, 31), 3.52, 1.96, 0.54),
    (date(2021, 1, 1), date(2021, 12, 31), 3.44, 1.90, 0.54),
    (date(2022, 1, 1), date(2022, 4, 30), 3.51, 1.98, 0.55),
    (date(2022, 5, 1), date(2022, 12, 31), 3.70, 2.17, 0.55),
    (date(2023, 1, 1), date(2023, 12, 31), 3.73, 2.19, 0.61),
    (date(2024, 1, 1), date(2024, 12, 31), 3.79, 2.23, 0.62),
    (date(2025, 1, 1), date(2025, 12, 31), 3.81, 2.23, 0.63),
    (date(2026, 1, 1), date(2026, 12, 31), 3.94, 2.28, 0.64),
]


class TestDanishRates(DanishRatesCase):
    def test_shipped_per_diem_rates_match_skattestyrelsen_table(self):
        records = self.env["hr.expense.dk.rate"].search([])
        by_year = {rate.date_from.year: rate for rate in records}
        self.assertEqual(sorted(by_year), list(range(2018, 2027)))
        for year, (food, lodging, hourly, confirmed) in PER_DIEM.items():
            rate = by_year[year]
            self.assertEqual(rate.name, str(year))
            self.assertEqual(
                (rate.date_from, rate.date_to), (date(year, 1, 1), date(year, 12, 31))
            )
            self.assertAlmostEqual(rate.food_rate, food)
            self.assertAlmostEqual(rate.lodging_rate, lodging)
            if hourly is not None:
                self.assertAlmostEqual(rate.hourly_supplement, hourly)
            self.assertEqual(rate.is_confirmed, confirmed, year)
            self.assertIn("Skattestyrelsen", rate.source_note)
        rate_2023 = by_year[2023]
        # 555 / 24 = 23.125 → 23.13 (half-up, not banker's 23.12)
        self.assertAlmostEqual(rate_2023.hourly_supplement, 23.13)
        self.assertAlmostEqual(rate_2023.breakfast_reduction, 83.25)
        self.assertAlmostEqual(rate_2023.lunch_reduction, 166.50)
        self.assertAlmostEqual(rate_2023.small_expenses_amount, 138.75)

    def test_shipped_mileage_rates_include_may_2022_change(self):
        records = self.env["hr.expense.dk.mileage.rate"].search([], order="date_from")
        got = [
            (
                r.date_from,
                r.date_to,
                round(r.car_rate_up_to_threshold, 2),
                round(r.car_rate_above_threshold, 2),
                round(r.bicycle_rate, 2),
                r.threshold_km,
            )
            for r in records
        ]
        expected = [(*rates, 20000.0) for rates in MILEAGE]
        self.assertEqual(got, expected)
        may = records.filtered(lambda r: r.date_from == date(2022, 5, 1))
        self.assertEqual(
            (may.car_rate_up_to_threshold, may.car_rate_above_threshold), (3.70, 2.17)
        )

    def test_hourly_supplement_follows_food_rate_unless_overridden(self):
        rate = self.env["hr.expense.dk.rate"].create(
            {
                "date_from": date(2027, 1, 1),
                "date_to": date(2027, 12, 31),
                "food_rate": 555,
                "lodging_rate": 240,
            }
        )
        self.assertAlmostEqual(rate.hourly_supplement, 23.13)
        rate.food_rate = 600
        self.assertAlmostEqual(rate.hourly_supplement, 25.0)
        rate.write({"is_hourly_supplement_manual": True, "hourly_supplement": 24.99})
        rate.food_rate = 601
        self.assertAlmostEqual(rate.hourly_supplement, 24.99)
        rate.is_hourly_supplement_manual = False
        self.assertAlmostEqual(rate.hourly_supplement, 25.04)  # 601/24 = 25.0417

    def test_overlapping_periods_are_refused(self):
        Rate = self.env["hr.expense.dk.rate"]
        with self.assertRaises(ValidationError):
            Rate.create(
                {
                    "date_from": date(2026, 7, 1),
                    "date_to": date(2027, 6, 30),
                    "food_rate": 1,
                    "lodging_rate": 1,
                }
            )
        with self.assertRaises(ValidationError):
            Rate.create(
                {"date_from": date(2026, 12, 31), "food_rate": 1, "lodging_rate": 1}
            )
        # The next period after the last one is fine, also open-ended.
        open_ended = Rate.create(
            {"date_from": date(2027, 1, 1), "food_rate": 650, "lodging_rate": 280}
        )
        self.assertEqual(open_ended.name, "2027-01-01 –")
        with self.assertRaises(ValidationError):
            Rate.create(
                {
                    "date_from": date(2030, 1, 1),
                    "date_to": date(2030, 12, 31),
                    "food_rate": 1,
                    "lodging_rate": 1,
                }
            )
        Mileage = self.env["hr.expense.dk.mileage.rate"]
        with self.assertRaises(ValidationError):
            Mileage.create(
                {
                    "date_from": date(2022, 4, 1),
                    "date_to": date(2022, 6, 30),
                    "car_rate_up_to_threshold": 1,
                    "car_rate_above_threshold": 1,
                    "bicycle_rate": 1,
                }
            )
        # Archived periods do not block a correction.
        self.env.ref("expense_danish_rates.dk_mileage_rate_2026_01").active = False
        corrected = Mileage.create(
            {
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 12, 31),
                "car_rate_up_to_threshold": 3.95,
                "car_rate_above_threshold": 2.28,
                "bicycle_rate": 0.64,
            }
        )
        self.assertEqual(corrected.name, "2026")

    def test_meal_percentages_and_dates_are_checked(self):
        rate = self.env.ref("expense_danish_rates.dk_rate_2024")
        with self.assertRaises(ValidationError):
            rate.breakfast_percent = 50
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            rate.write({"date_to": date(2023, 1, 1)})

    def test_settings_show_until_when_rates_cover_trips(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.dk_rates_valid_until, date(2026, 12, 31))
        self.env["hr.expense.dk.rate"].create(
            {
                "date_from": date(2027, 1, 1),
                "date_to": date(2027, 12, 31),
                "food_rate": 650,
                "lodging_rate": 280,
            }
        )
        settings = self.env["res.config.settings"].create({})
        # The mileage rates still end in 2026.
        self.assertEqual(settings.dk_rates_valid_until, date(2026, 12, 31))
