from odoo import api, models


class ReportDkYearStatement(models.AbstractModel):
    _name = "report.expense_danish_rates.report_dk_year_statement"
    _description = "Danish Year-End Statement (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["hr.expense.dk.statement"].browse(docids)
        # Read access to the transient record is its creator's only; the
        # statement itself checks whose figures the user may see.
        docs.check_access("read")
        return {
            "doc_ids": docs.ids,
            "doc_model": docs._name,
            "docs": docs,
            "statements": {doc.id: doc._dk_statement_data() for doc in docs},
        }
