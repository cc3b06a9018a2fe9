from odoo.tests import TransactionCase


class TestDemoData(TransactionCase):
    """Nordlys ApS demo: the story the demo tells must add up."""

    def setUp(self):
        super().setUp()
        self.hamburg = self.env.ref(
            "expense_danish_rates.expense_mileage_freja_hamburg_demo",
            raise_if_not_found=False,
        )
        if not self.hamburg:
            self.skipTest("installed without demo data")

    def test_freja_crosses_20000_km_on_the_hamburg_trip(self):
        lines = self.hamburg | self.hamburg.mileage_split_child_ids
        self.assertEqual(
            [(line.quantity, line.price_unit) for line in lines],
            [(200.0, 3.94), (300.0, 2.28)],
        )
        odense = self.env.ref("expense_danish_rates.expense_mileage_freja_odense_demo")
        self.assertEqual(odense.mileage_band, "above_threshold")
        self.assertAlmostEqual(odense.total_amount_currency, 661.20)

    def test_mads_cycles_and_travels_with_per_diem(self):
        bicycle = self.env.ref("expense_danish_rates.expense_mileage_mads_bicycle_demo")
        self.assertAlmostEqual(bicycle.total_amount_currency, 26.88)
        mads = self.env.ref("expense_danish_rates.employee_mads_berg_demo")
        per_diem = self.env["hr.expense"].search(
            [("employee_id", "=", mads.id), ("dk_trip_departure", "!=", False)]
        )
        # 2 × 625.00 + 8 × 26.04 − 2 × 93.75 − 187.50 = 1,083.32; 2 × 268.00
        self.assertEqual(
            sorted(per_diem.mapped("total_amount_currency")), [536.0, 1083.32]
        )
        self.assertTrue(all(expense.attachment_ids for expense in per_diem))
