from odoo import _, api, fields, models

from ..services import smtpapi


class MailMail(models.Model):
    _inherit = "mail.mail"

    sendgrid_event_count = fields.Integer(
        string="E-mail log", compute="_compute_sendgrid_event_count"
    )

    @api.depends_context("uid")
    def _compute_sendgrid_event_count(self):
        counts = self.env["sendgrid.event"]._count_visible("mail_mail_id_int", self.ids)
        for mail in self:
            mail.sendgrid_event_count = counts.get(mail.id, 0)

    def action_open_sendgrid_events(self):
        self.ensure_one()
        return self.env["sendgrid.event"]._action_open_log(
            [("mail_mail_id_int", "=", self.id)],
            _("E-mail log of %(subject)s", subject=self.subject or self.display_name),
        )

    # ------------------------------------------------------------------
    # Sender identities
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self.env["sendgrid.sender.identity"]._apply_to_mail_values(vals_list)
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # X-SMTPAPI
    # ------------------------------------------------------------------
    def _prepare_outgoing_list(
        self, mail_server=False, recipients_follower_status=None
    ):
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server,
            recipients_follower_status=recipients_follower_status,
        )
        server = mail_server or self.mail_server_id
        if not (server and server.is_sendgrid):
            return email_list
        trace = self.mailing_trace_ids[:1]
        trace_partner_id = (
            trace.res_id if trace and trace.model == "res.partner" else False
        )
        IrMailServer = self.env["ir.mail_server"]
        for email_values in email_list:
            partner = email_values.get("partner_id")
            # each recipient gets its own dict: core shares one headers dict
            headers = dict(email_values.get("headers") or {})
            headers[smtpapi.HEADER_NAME] = IrMailServer._sendgrid_smtpapi_header(
                mail_id=self.id,
                message_id=self.mail_message_id.id,
                trace_id=trace.id,
                partner_id=partner.id if partner else trace_partner_id,
            )
            email_values["headers"] = headers
        return email_list
