from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    is_optout_followup = fields.Boolean(
        string="Opt-out Follow-up",
        readonly=True,
        help="Scheduled because the contact opted out of e-marketing or "
        "unsubscribed from a subscription type.",
    )
