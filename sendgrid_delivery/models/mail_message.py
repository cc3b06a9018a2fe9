from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class MailMessage(models.Model):
    _inherit = "mail.message"

    sendgrid_event_count = fields.Integer(
        string="E-mail log", compute="_compute_sendgrid_event_count"
    )

    @api.depends_context("uid")
    def _compute_sendgrid_event_count(self):
        counts = self.env["sendgrid.event"]._count_visible("mail_message_id", self.ids)
        for message in self:
            message.sendgrid_event_count = counts.get(message.id, 0)

    def action_open_sendgrid_events(self):
        self.ensure_one()
        if not self.env.user.has_group("sendgrid_delivery.group_mass_mailing_manager"):
            raise AccessError(_("Only e-mail marketing managers see a message's log."))
        return self.env["sendgrid.event"]._action_open_log(
            [("mail_message_id", "=", self.id)],
            _("E-mail log of %(subject)s", subject=self.subject or self.display_name),
        )
