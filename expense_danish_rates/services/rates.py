"""The rates 2018-2026 as published by Skattestyrelsen (Skatterådet's rates).

This table is the reference the shipped XML data is checked against (see the
addon's tests); administrators change rates in Odoo, not here.
"""

from datetime import date
from decimal import Decimal as D

from .mileage import MileageRate
from .perdiem import PerDiemRate

# year: (food, lodging, hourly supplement or None for food/24, confirmed)
PER_DIEM = {
    2018: (D("498.00"), D("214.00"), D("20.75"), True),
    2019: (D("509.00"), D("219.00"), D("21.21"), False),
    2020: (D("521.00"), D("223.00"), D("21.71"), True),
    2021: (D("532.00"), D("228.00"), None, False),
    2022: (D("539.00"), D("231.00"), None, False),
    2023: (D("555.00"), D("238.00"), None, False),
    2024: (D("574.00"), D("246.00"), D("23.92"), True),
    2025: (D("597.00"), D("256.00"), D("24.88"), True),
    2026: (D("625.00"), D("268.00"), None, False),
}

# (valid from, valid to, car up to 20,000 km, car above, bicycle/moped, confirmed)
MILEAGE = [
    (date(2018, 1, 1), date(2018, 12, 31), D("3.54"), D("1.94"), D("0.53"), True),
    (date(2019, 1, 1), date(2019, 12, 31), D("3.56"), D("1.98"), D("0.53"), True),
    (date(2020, 1, 1), date(2020, 12, 31), D("3.52"), D("1.96"), D("0.54"), True),
    (date(2021, 1, 1), date(2021, 12, 31), D("3.44"), D("1.90"), D("0.54"), True),
    (date(2022, 1, 1), date(2022, 4, 30), D("3.51"), D("1.98"), D("0.55"), True),
    (date(2022, 5, 1), date(2022, 12, 31), D("3.70"), D("2.17"), D("0.55"), False),
    (date(2023, 1, 1), date(2023, 12, 31), D("3.73"), D("2.19"), D("0.61"), True),
    (date(2024, 1, 1), date(2024, 12, 31), D("3.79"), D("2.23"), D("0.62"), True),
    (date(2025, 1, 1), date(2025, 12, 31), D("3.81"), D("2.23"), D("0.63"), True),
    (date(2026, 1, 1), date(2026, 12, 31), D("3.94"), D("2.28"), D("0.64"), True),
]


def per_diem_rates():
    """The shipped per-diem rates as :class:`PerDiemRate` objects."""
    return [
        PerDiemRate(
            valid_from=date(year, 1, 1),
            valid_to=date(year, 12, 31),
            food=food,
            lodging=lodging,
            hourly=hourly,
            ref=year,
        )
        for year, (food, lodging, hourly, _confirmed) in sorted(PER_DIEM.items())
    ]


def mileage_rates():
    """The shipped mileage rates as :class:`MileageRate` objects."""
    return [
        MileageRate(
            valid_from=start,
            valid_to=end,
            car_up_to_threshold=low,
            car_above_threshold=high,
            bicycle=bicycle,
            ref=start,
        )
        for start, end, low, high, bicycle, _confirmed in MILEAGE
    ]
