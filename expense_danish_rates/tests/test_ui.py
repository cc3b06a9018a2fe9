from odoo.tests import HttpCase, tagged


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
