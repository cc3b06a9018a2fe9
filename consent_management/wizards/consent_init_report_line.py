from odoo import fields, models


class ConsentInitReportLine(models.TransientModel):
    _name = "consent.init.report.line"
    _description = "Consent initialisation report line"
    _order = "sequence, id"

    report_id = fields.Many2one(
        "consent.init.report", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    name = fields.Char(string="Rule", readonly=True)
    count = fields.Integer(string="Contacts touched", readonly=True)
