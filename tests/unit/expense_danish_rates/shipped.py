"""The rates expense_danish_rates ships, read from its data files (no Odoo)."""

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from tests.unit.svc import ROOT, load

DATA = ROOT / "expense_danish_rates" / "data"
perdiem = load("expense_danish_rates", "perdiem")
mileage = load("expense_danish_rates", "mileage")


def _records(filename):
    for record in ET.parse(DATA / filename).getroot().iter("record"):
        fields = {
            f.get("name"): (f.text or f.get("eval")) for f in record.iter("field")
        }
        start = date.fromisoformat(fields["date_from"])
        end = fields.get("date_to") and date.fromisoformat(fields["date_to"])
        yield start, end or None, fields


def per_diem_rates():
    """``PerDiemRate`` objects of data/hr_expense_dk_rate_data.xml (ref: year)."""
    return [
        perdiem.PerDiemRate(
            valid_from=start,
            valid_to=end,
            food=Decimal(f["food_rate"]),
            lodging=Decimal(f["lodging_rate"]),
            hourly=Decimal(f["hourly_supplement"])
            if "hourly_supplement" in f
            else None,
            breakfast_pct=Decimal(f["breakfast_percent"]),
            lunch_pct=Decimal(f["lunch_percent"]),
            dinner_pct=Decimal(f["dinner_percent"]),
            ref=start.year,
        )
        for start, end, f in _records("hr_expense_dk_rate_data.xml")
    ]


def mileage_rates():
    """``MileageRate`` objects of data/hr_expense_dk_mileage_rate_data.xml."""
    return [
        mileage.MileageRate(
            valid_from=start,
            valid_to=end,
            car_up_to_threshold=Decimal(f["car_rate_up_to_threshold"]),
            car_above_threshold=Decimal(f["car_rate_above_threshold"]),
            bicycle=Decimal(f["bicycle_rate"]),
            threshold_km=Decimal(f["threshold_km"]),
            ref=start,
        )
        for start, end, f in _records("hr_expense_dk_mileage_rate_data.xml")
    ]
