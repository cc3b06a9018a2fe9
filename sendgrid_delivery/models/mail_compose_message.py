from odoo import api, fields, models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    sendgrid_bounce_warning = fields.Text(
        string="Bounced recipients", compute="_compute_sendgrid_bounce_warning"
    )

    @api.depends_context("lang", "tz")
    @api.depends("partner_ids", "composition_mode")
    def _compute_sendgrid_bounce_warning(self):
        blocked = self.env["mail.mail"]._sendgrid_blocks_invalid_emails()
        for composer in self:
            if composer.composition_mode == "mass_mail":
                composer.sendgrid_bounce_warning = False
                continue
            # only contacts the writer may read: the reason is theirs to see
            readable = composer.partner_ids._filtered_access("read")
            bounced = readable.filtered("is_email_invalid")
            lines = [
                f"{partner.display_name} <{partner.email_normalized}>: "
                f"{partner._sendgrid_bounce_text()}"
                for partner in bounced
            ]
            if lines and blocked:
                lines.append(
                    self.env._(
                        "Sending to invalid addresses is blocked: these recipients "
                        "will not get the message."
                    )
                )
            composer.sendgrid_bounce_warning = "\n".join(lines) or False

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
