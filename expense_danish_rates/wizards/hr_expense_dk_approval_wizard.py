from odoo import api, fields, models
from odoo.tools import clean_context


class HrExpenseDkApprovalWizard(models.TransientModel):
    _name = "hr.expense.dk.approval.wizard"
    _description = "Approve Despite Skat Warnings"

    sheet_ids = fields.Many2many("hr.expense.sheet", string="Expense Reports")
    dk_skat_warnings = fields.Text(
        string="Skat Warnings", compute="_compute_dk_skat_warnings"
    )

    @api.depends("sheet_ids")
    def _compute_dk_skat_warnings(self):
        for wizard in self:
            wizard.dk_skat_warnings = "\n".join(
                wizard.sheet_ids.filtered("dk_skat_warnings").mapped(
                    lambda s: f"{s.name}:\n{s.dk_skat_warnings}"
                )
            )

    def action_approve(self):
        """Approve the reports as core does; its checks decide who may."""
        self.ensure_one()
        return self.sheet_ids.with_context(
            clean_context(self.env.context), dk_skat_warnings_confirmed=True
        ).action_approve_expense_sheets()
