from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    sendgrid_documents_from_default = fields.Boolean(
        string="Documents leave from the default sender address",
        help="Mail that Odoo would send with the user's own address (quotations, "
        "invoices, chatter messages) leaves from the company's default sender "
        "address instead. Addresses bound to a document type still win.",
    )
