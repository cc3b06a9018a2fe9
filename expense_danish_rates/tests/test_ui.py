from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPerDiemTour(HttpCase):
    def test_per_diem_from_my_expenses(self):
        admin = self.env.ref("base.user_admin")
        admin.tz = "Europe/Copenhagen"
        if not admin.employee_id:
            self.env["hr.employee"].create(
                {"name": admin.name, "user_id": admin.id, "tz": "Europe/Copenhagen"}
            )
        admin.employee_id.tz = "Europe/Copenhagen"
        self.start_tour(
            "/odoo/action-hr_expense.hr_expense_actions_my_all",
            "expense_danish_rates_per_diem_tour",
            login="admin",
        )
        food = self.env["hr.expense"].search(
            [
                ("employee_id", "=", admin.employee_id.id),
                ("product_id.dk_expense_kind", "=", "food"),
            ]
        )
        self.assertEqual(len(food), 1)
        self.assertAlmostEqual(food.total_amount_currency, 1120.50)
        self.assertEqual(food.nb_attachment, 1)


@tagged("post_install", "-at_install")
class TestCounterTour(HttpCase):
    def test_demo_employee_in_danish(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["hr_expense", "expense_danish_rates"], ["da_DK"], overwrite=True
        )
        employee = self.env.ref(
            "expense_danish_rates.employee_freja_holm_demo", raise_if_not_found=False
        )
        if not employee:
            employee = self.env["hr.employee"].create({"name": "Freja Holm"})
            self.env["hr.expense"].create(
                {
                    "name": "Kørsel Aarhus–Hamburg tur/retur",
                    "employee_id": employee.id,
                    "product_id": self.env.ref(
                        "expense_danish_rates.product_car_mileage"
                    ).id,
                    "date": fields.Date.today(),
                    "mileage_from": "Nordlys ApS, Aarhus",
                    "mileage_to": "Messe Hamburg",
                    "dk_trip_purpose": "Messe",
                    "mileage_km": 20500,
                }
            )
        user = new_test_user(
            self.env,
            "freja.tour",
            groups="base.group_user",
            lang="da_DK",
            tz="Europe/Copenhagen",
            company_id=employee.company_id.id,
        )
        employee.user_id = user
        self.start_tour(
            "/odoo/action-hr_expense.hr_expense_actions_my_all",
            "expense_danish_rates_counter_tour",
            login="freja.tour",
        )
