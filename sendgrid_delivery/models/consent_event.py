from odoo import fields, models


class ConsentEvent(models.Model):
    _inherit = "consent.event"

    # what the reconciliation found on SendGrid's suppression lists; the
    # history keeps its rows as "API" if this addon is uninstalled
    source = fields.Selection(
        selection_add=[("sendgrid_reconciliation", "SendGrid reconciliation")],
        ondelete={"sendgrid_reconciliation": "set api"},
    )
