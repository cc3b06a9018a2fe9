from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    failure_type = fields.Selection(
        selection_add=[
            ("mail_no_consent", "No e-marketing consent"),
            ("mail_not_subscribed", "Not subscribed to the mailing's type"),
            ("mail_address_withdrawn", "Address withdrawn by another contact"),
            ("mail_marketing_protected", "Protected from marketing (Robinson)"),
        ]
    )
