from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _sendgrid_asm_group_id(self):
        """The unsubscribe group bound to the mailing's subscription type."""
        group_id = self.sudo().mailing_id.subscription_type_id.asm_group_id
        return group_id or super()._sendgrid_asm_group_id()
