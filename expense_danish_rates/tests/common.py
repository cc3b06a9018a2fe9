from datetime import datetime, timedelta

from odoo.fields import Command
from odoo.tests import TransactionCase


class DanishRatesCase(TransactionCase):
    """A Danish company (DKK) with one employee, as Nordlys ApS would be."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dkk = cls.env.ref("base.DKK")
        cls.dkk.active = True
        cls.company = cls.env["res.company"].create(
            {
                "name": "Nordlys ApS (test)",
                "currency_id": cls.dkk.id,
                "country_id": cls.env.ref("base.dk").id,
            }
        )
        cls.env.user.write(
            {
                "company_ids": [Command.link(cls.company.id)],
                "groups_id": [
                    Command.link(cls.env.ref("hr_expense.group_hr_expense_manager").id)
                ],
            }
        )
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                allowed_company_ids=[cls.company.id],
                tracking_disable=True,
            )
        )
        cls.employee = cls.env["hr.employee"].create(
            {
                "name": "Freja Holm",
                "company_id": cls.company.id,
                "tz": "Europe/Copenhagen",
            }
        )
        cls.other_employee = cls.env["hr.employee"].create(
            {
                "name": "Mads Berg",
                "company_id": cls.company.id,
                "tz": "Europe/Copenhagen",
            }
        )
        cls.car = cls.env.ref("expense_danish_rates.product_car_mileage")
        cls.bicycle = cls.env.ref("expense_danish_rates.product_bicycle_mileage")
        cls.food = cls.env.ref("expense_danish_rates.product_food_allowance")
        cls.lodging = cls.env.ref("expense_danish_rates.product_lodging_allowance")
        cls.Expense = cls.env["hr.expense"]

    @staticmethod
    def copenhagen(*args, summer=False):
        """Copenhagen wall-clock time as the naive UTC datetime Odoo stores."""
        return datetime(*args) - timedelta(hours=2 if summer else 1)

    def trip(self, km, day, employee=None, product=None, **vals):
        """Create one mileage expense (a trip of the driving log)."""
        return self.Expense.create(
            {
                "name": vals.pop("name", f"Trip {day}"),
                "employee_id": (employee or self.employee).id,
                "product_id": (product or self.car).id,
                "date": day,
                "mileage_from": "Aarhus",
                "mileage_to": "Odense",
                "dk_trip_purpose": "Customer visit",
                "mileage_km": km,
                **vals,
            }
        )
