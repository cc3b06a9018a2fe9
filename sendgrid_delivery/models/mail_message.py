from odoo import _, fields, models


class MailMessage(models.Model):
    _inherit = "mail.message"

    sendgrid_event_count = fields.Integer(
        string="E-mail log", compute="_compute_sendgrid_event_count"
    )

    def _compute_sendgrid_event_count(self):
        counts = dict(
            self.env["sendgrid.event"]
            .sudo()
            ._read_group(
                [("mail_message_id", "in", self.ids)], ["mail_message_id"], ["__count"]
            )
        )
        for message in self:
            message.sendgrid_event_count = counts.get(message, 0)

    def action_open_sendgrid_events(self):
        self.ensure_one()
        return self.env["sendgrid.event"]._action_open_log(
            [("mail_message_id", "=", self.id)],
            _("E-mail log of %(subject)s", subject=self.subject or self.display_name),
        )
