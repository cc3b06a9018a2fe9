from markupsafe import Markup

from odoo import api, fields, models


class HrExpenseSheet(models.Model):
    _inherit = "hr.expense.sheet"

    dk_skat_warnings = fields.Text(
        string="Skat Warnings",
        compute="_compute_dk_skat_warnings",
        help="Rules Skattestyrelsen checks that allowances of this report may "
        "break. The approver confirms them before approving.",
    )

    @api.depends("expense_line_ids.dk_skat_warnings")
    def _compute_dk_skat_warnings(self):
        warnings = self.expense_line_ids._dk_skat_warnings()
        for sheet in self:
            texts = []
            for expense in sheet.expense_line_ids:
                for text in warnings.get(expense, []):
                    if text not in texts:
                        texts.append(text)
            sheet.dk_skat_warnings = "\n".join(texts) or False

    def action_approve_expense_sheets(self):
        # The approver sees Skat's rules before approving, never a silent
        # taxable allowance: confirm in a dialog, then approve as core does.
        warned = self.filtered("dk_skat_warnings")
        if warned and not self.env.context.get("dk_skat_warnings_confirmed"):
            self._check_can_approve()
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Skat warnings"),
                "res_model": "hr.expense.dk.approval.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"default_sheet_ids": self.ids},
            }
        return super().action_approve_expense_sheets()

    def _do_approve(self):
        # Whatever path approves it, a report approved despite warnings says so.
        pending = self.filtered(
            lambda s: s.state in ("submit", "draft") and s.dk_skat_warnings
        )
        warnings = {sheet: sheet.dk_skat_warnings for sheet in pending}
        res = super()._do_approve()
        for sheet in pending.filtered(lambda s: s.state in ("approve", "post", "done")):
            sheet.message_post(
                body=Markup("<br/>").join(
                    [self.env._("Approved despite the Skat warnings:")]
                    + warnings[sheet].split("\n")
                ),
            )
        return res

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
