from odoo import fields, models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    sendgrid_event_ids = fields.One2many(
        "sendgrid.event", "mailing_trace_id", string="SendGrid events"
    )
