from odoo import models


class HrExpenseSheet(models.Model):
    _inherit = "hr.expense.sheet"

    def _do_refuse(self, reason):
        # A refused trip no longer counts towards the 20,000 km threshold.
        res = super()._do_refuse(reason)
        self._dk_recompute_sheet_mileage()
        return res

    def _do_reset_approval(self):
        # A trip brought back from refused counts again.
        res = super()._do_reset_approval()
        self._dk_recompute_sheet_mileage()
        return res

    def unlink(self):
        # Expenses of a deleted refused report count again.
        keys = self.expense_line_ids._dk_mileage_keys()
        res = super().unlink()
        self.env["hr.expense"]._dk_recompute_mileage(keys)
        return res

    def _dk_recompute_sheet_mileage(self):
        expenses = self.expense_line_ids
        self.env["hr.expense"]._dk_recompute_mileage(expenses._dk_mileage_keys())
