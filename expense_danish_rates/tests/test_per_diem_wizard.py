import base64

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import DanishRatesCase


class TestPerDiemWizard(DanishRatesCase):
    def wizard_form(self, departure, returned, **values):
        form = Form(self.env["hr.expense.dk.per.diem.wizard"])
        form.employee_id = self.employee
        form.destination = values.pop("destination", "Odense")
        form.purpose = values.pop("purpose", "Installation at customer")
        form.departure = departure
        form.return_datetime = returned
        for name, value in values.items():
            setattr(form, name, value)
        return form

    def set_meals(self, form, meals):
        """``meals``: {day index: (breakfast, lunch, dinner)}"""
        for index, (breakfast, lunch, dinner) in meals.items():
            with form.day_ids.edit(index) as line:
                line.breakfast = breakfast
                line.lunch = lunch
                line.dinner = dinner

    def test_worked_example_2018(self):
        form = self.wizard_form(
            self.copenhagen(2018, 3, 5, 8, 0), self.copenhagen(2018, 3, 7, 13, 30)
        )
        self.assertEqual(len(form.day_ids), 3)  # Mon, Tue, Wed
        self.set_meals(form, {1: (True, False, False), 2: (True, False, False)})
        self.assertTrue(form.is_eligible)
        self.assertAlmostEqual(form.food_amount, 971.10)
        self.assertAlmostEqual(form.lodging_amount, 428.00)
        self.assertAlmostEqual(form.total_amount, 1399.10)
        wizard = form.save()
        html = str(wizard.calculation_html)
        for figure in ("498.00", "20.75", "-74.70", "971.10", "214.00", "428.00"):
            self.assertIn(figure, html)
        action = wizard.action_create_expenses()
        expenses = self.Expense.search(action["domain"], order="id")
        self.assertEqual(len(expenses), 2)
        food, lodging = expenses
        self.assertEqual(food.product_id, self.food)
        self.assertEqual(lodging.product_id, self.lodging)
        self.assertAlmostEqual(food.total_amount_currency, 971.10)
        self.assertAlmostEqual(lodging.total_amount_currency, 428.00)
        self.assertEqual(food.currency_id, self.dkk)
        self.assertEqual(food.employee_id, self.employee)
        self.assertEqual(str(food.date), "2018-03-07")
        self.assertIn("2 × 498.00 = 996.00", food.description)
        self.assertIn("6 × 20.75 = 124.50", food.description)
        self.assertIn("2 × -74.70 = -149.40", food.description)
        self.assertEqual(food.dk_trip_destination, "Odense")
        self.assertEqual(food.dk_trip_purpose, "Installation at customer")
        for expense in expenses:
            self.assertEqual(expense.nb_attachment, 1)
            document = base64.b64decode(expense.attachment_ids.datas).decode()
            self.assertEqual(expense.attachment_ids.mimetype, "text/html")
            self.assertIn(expense.name, document)
            self.assertIn("971.10", document)
            self.assertIn("428.00", document)
        # Distinct documents, so Odoo does not flag a shared receipt.
        self.assertFalse(food.same_receipt_expense_ids)

    def test_exactly_24_hours(self):
        form = self.wizard_form(
            self.copenhagen(2024, 3, 4, 9, 0), self.copenhagen(2024, 3, 5, 9, 0)
        )
        self.assertTrue(form.is_eligible)
        self.assertAlmostEqual(form.food_amount, 574.00)
        self.assertAlmostEqual(form.lodging_amount, 246.00)

    def test_24_hours_and_one_minute(self):
        form = self.wizard_form(
            self.copenhagen(2024, 3, 4, 9, 0), self.copenhagen(2024, 3, 5, 9, 1)
        )
        self.assertAlmostEqual(form.food_amount, 597.92)  # 574.00 + 1 × 23.92

    def test_under_24_hours_is_not_eligible_and_creates_nothing(self):
        form = self.wizard_form(
            self.copenhagen(2024, 3, 4, 9, 0), self.copenhagen(2024, 3, 5, 8, 59)
        )
        self.assertFalse(form.is_eligible)
        self.assertIn("23 h 59 min", form.not_eligible_reason)
        self.assertIn("at least 24 hours", form.not_eligible_reason)
        wizard = form.save()
        before = self.Expense.search_count([])
        with self.assertRaises(UserError):
            wizard.action_create_expenses()
        self.assertEqual(self.Expense.search_count([]), before)

    def test_no_overnight_stay_is_not_eligible(self):
        form = self.wizard_form(
            self.copenhagen(2024, 3, 4, 9, 0),
            self.copenhagen(2024, 3, 6, 9, 0),
            has_overnight_stay=False,
        )
        self.assertFalse(form.is_eligible)
        self.assertIn("no overnight stay", form.not_eligible_reason)
        self.assertEqual(form.total_amount, 0.0)

    def test_all_meals_provided_leaves_small_expenses(self):
        form = self.wizard_form(
            self.copenhagen(2024, 3, 4, 9, 0), self.copenhagen(2024, 3, 6, 9, 0)
        )
        self.set_meals(form, {i: (True, True, True) for i in range(3)})
        # 2 × 574 = 1,148.00; the 25 % (småfornødenheder) = 287.00 is always paid.
        self.assertAlmostEqual(form.food_amount, 287.00)
        self.assertIn("småfornødenheder", str(form.calculation_html))

    def test_lodging_on_receipt_gives_only_food_expense(self):
        form = self.wizard_form(
            self.copenhagen(2024, 3, 4, 9, 0),
            self.copenhagen(2024, 3, 6, 9, 0),
            lodging_mode="receipt",
        )
        self.assertAlmostEqual(form.lodging_amount, 0.0)
        with form.day_ids.edit(1) as line:
            line.lodging = "standard"
        self.assertAlmostEqual(form.lodging_amount, 246.00)
        with form.day_ids.edit(1) as line:
            line.lodging = "provided"
        wizard = form.save()
        action = wizard.action_create_expenses()
        expenses = self.Expense.search(action["domain"])
        self.assertEqual(expenses.product_id, self.food)
        self.assertAlmostEqual(expenses.total_amount_currency, 1148.00)

    def test_trip_over_new_year_uses_the_rate_of_each_period(self):
        form = self.wizard_form(
            self.copenhagen(2025, 12, 30, 8, 0), self.copenhagen(2026, 1, 2, 10, 0)
        )
        # 2 × 597.00 + 1 × 625.00 + 2 × 26.04
        self.assertAlmostEqual(form.food_amount, 1871.08)
        self.assertAlmostEqual(form.lodging_amount, 780.00)  # 2 × 256 + 268
        self.assertIn("change of rates", str(form.calculation_html))

    def test_missing_rate_is_explained(self):
        form = self.wizard_form(
            self.copenhagen(2017, 3, 1, 8, 0), self.copenhagen(2017, 3, 3, 8, 0)
        )
        self.assertIn("No Danish per-diem rate", form.error_message)
        self.assertFalse(form.is_eligible)
