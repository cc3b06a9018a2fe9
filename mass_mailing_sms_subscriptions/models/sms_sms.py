from odoo import fields, models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    # The cancelled SMS of a recipient left out by consent says why, as its trace.
    failure_type = fields.Selection(
        selection_add=[
            ("sms_no_consent", "No SMS-marketing consent"),
            ("sms_not_subscribed", "Not subscribed to the mailing's type"),
            ("sms_number_withdrawn", "Number withdrawn by another contact"),
            ("sms_marketing_protected", "Protected from marketing (Robinson)"),
        ]
    )
