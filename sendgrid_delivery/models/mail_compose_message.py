from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _process_mail_values_state(self, mail_values_dict):
        """Mass mails skip contacts whose e-mail hard-bounced (reason on the trace)."""
        mail_values_dict = super()._process_mail_values_state(mail_values_dict)
        if self.composition_mode != "mass_mail":
            return mail_values_dict
        invalid = self.env["res.partner"]._sendgrid_invalid_emails()
        if not invalid:
            return mail_values_dict
        recipients_info = self._get_recipients_data(mail_values_dict)
        for record_id, mail_values in mail_values_dict.items():
            if mail_values.get("state") == "cancel":
                continue
            emails = recipients_info[record_id]["mail_to_normalized"]
            if emails and all(email in invalid for email in emails):
                mail_values["state"] = "cancel"
                mail_values["failure_type"] = "mail_email_invalid"
                mail_values["failure_reason"] = self.env._(
                    "The e-mail address bounced permanently (SendGrid)."
                )
        return mail_values_dict
