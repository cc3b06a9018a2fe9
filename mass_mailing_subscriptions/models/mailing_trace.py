from odoo import fields, models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    failure_type = fields.Selection(
        selection_add=[
            ("mail_no_consent", "No e-marketing consent"),
            ("mail_not_subscribed", "Not subscribed to the mailing's type"),
            ("mail_address_withdrawn", "Address withdrawn by another contact"),
            ("mail_marketing_protected", "Protected from marketing (Robinson)"),
        ]
    )
