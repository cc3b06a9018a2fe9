from odoo import fields, models


class MailingContact(models.Model):
    _inherit = "mailing.contact"

    # hard bounces raise the bounce counter by address: make that an index scan
    email_normalized = fields.Char(index=True)
