from odoo import _, api, fields, models


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    sendgrid_event_count = fields.Integer(
        string="E-mail log", compute="_compute_sendgrid_event_count"
    )

    @api.depends_context("uid")
    def _compute_sendgrid_event_count(self):
        counts = self.env["sendgrid.event"]._count_visible("mailing_id", self.ids)
        for mailing in self:
            mailing.sendgrid_event_count = counts.get(mailing.id, 0)

    def action_open_sendgrid_events(self):
        self.ensure_one()
        return self.env["sendgrid.event"]._action_open_log(
            [("mailing_id", "=", self.id)],
            _("E-mail log of %(subject)s", subject=self.subject or self.display_name),
        )
