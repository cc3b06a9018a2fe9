from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services import webhook

SECRET_FIELDS = ("sendgrid_api_key", "sendgrid_verification_key")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sendgrid_api_key = fields.Char(
        string="SendGrid API key",
        config_parameter="sendgrid_delivery.api_key",
        groups="base.group_system",
        help="An API key with at least the Mail Send permission; it is the "
        "password of the SMTP relay.",
    )
    sendgrid_use = fields.Boolean(
        string="Use SendGrid",
        config_parameter="sendgrid_delivery.use_sendgrid",
        help="Creates (or updates) the outgoing mail server for SendGrid's SMTP "
        "relay and sends through it.",
    )
    # stored as explicit "True"/"False": a boolean config_parameter cannot
    # default to True and still be switched off
    sendgrid_click_tracking = fields.Boolean(
        string="Click tracking",
        help="SendGrid rewrites links to count clicks. Odoo's own mailing link "
        "tracker already does this for mailings; using both means two redirects.",
    )
    sendgrid_open_tracking = fields.Boolean(string="Open tracking")
    sendgrid_verification_key = fields.Char(
        string="Event webhook verification key",
        config_parameter="sendgrid_delivery.verification_key",
        groups="base.group_system",
        help="The public key SendGrid shows under Settings > Mail Settings > "
        "Signed Event Webhook Requests. Without it, events are refused.",
    )
    sendgrid_dns_target = fields.Char(
        string="SendGrid DNS host",
        config_parameter="sendgrid_delivery.dns_target",
        help="The host your DNS records point to, as shown by SendGrid's domain "
        "authentication, e.g. u1234567.wl123.sendgrid.net.",
    )
    sendgrid_return_path_subdomain = fields.Char(
        string="Return-path subdomain",
        config_parameter="sendgrid_delivery.return_path_subdomain",
        help="e.g. em1234",
    )
    sendgrid_link_branding_subdomain = fields.Char(
        string="Link branding subdomain",
        config_parameter="sendgrid_delivery.link_branding_subdomain",
        help="e.g. url5678 (leave empty without link branding)",
    )
    sendgrid_block_invalid_emails = fields.Boolean(
        string="Block invalid addresses",
        config_parameter="sendgrid_delivery.block_invalid_emails",
        help="Never send to an address that bounced permanently: quotations, "
        "invoices and chatter messages to it fail with the bounce reason "
        "instead of being sent.",
    )
    sendgrid_documents_from_default = fields.Boolean(
        related="company_id.sendgrid_documents_from_default", readonly=False
    )
    sendgrid_mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="SendGrid mail server",
        compute="_compute_sendgrid_mail_server_id",
    )
    sendgrid_webhook_url = fields.Char(
        string="Event webhook URL", compute="_compute_sendgrid_webhook_url"
    )
    sendgrid_reconcile_last_run = fields.Datetime(
        string="Last reconciliation",
        compute="_compute_sendgrid_reconcile_status",
        help="When the suppression lists were last read and applied.",
    )
    sendgrid_reconcile_last_error = fields.Char(
        string="Last reconciliation error",
        compute="_compute_sendgrid_reconcile_status",
    )

    def _compute_sendgrid_mail_server_id(self):
        server = self.env["ir.mail_server"]._sendgrid_server()
        for settings in self:
            settings.sendgrid_mail_server_id = server

    def _compute_sendgrid_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for settings in self:
            settings.sendgrid_webhook_url = f"{base_url}/sendgrid/events"

    def _compute_sendgrid_reconcile_status(self):
        last_run, error = self.env["sendgrid.event"]._sendgrid_reconcile_status()
        for settings in self:
            settings.sendgrid_reconcile_last_run = last_run
            settings.sendgrid_reconcile_last_error = error

    @api.constrains("sendgrid_verification_key")
    def _check_sendgrid_verification_key(self):
        for settings in self:
            if settings.sendgrid_verification_key:
                try:
                    webhook.load_public_key(settings.sendgrid_verification_key)
                except webhook.WebhookError as exc:
                    raise UserError(
                        _(
                            "The verification key is not SendGrid's public key "
                            "(base64 ECDSA P-256): %(error)s",
                            error=str(exc),
                        )
                    ) from exc

    @api.model
    def default_get(self, fields_list):
        # core fills config_parameter fields as superuser, whoever asks: a
        # portal user calling default_get(["sendgrid_api_key"]) got the key
        res = super().default_get(fields_list)
        for name in self._sendgrid_hidden_secrets():
            res.pop(name, None)
        return res

    def _sendgrid_hidden_secrets(self):
        """This addon's secret settings the current user may not read."""
        if self.env.su:
            return []
        return [
            name
            for name in SECRET_FIELDS
            if not self._fields[name].is_accessible(self.env)
        ]

    @api.private  # a step of default_get, not a JSON-RPC entry point
    @api.model
    def get_values(self):
        res = super().get_values()
        res.update(
            {
                f"sendgrid_{key}": value
                for key, value in self.env["ir.mail_server"]
                ._sendgrid_tracking_settings()
                .items()
            }
        )
        return res

    def set_values(self):
        # public, and core's version writes as superuser: without this any
        # internal user wiped every setting with set_values on no record
        if not self.env.is_system():
            raise AccessError(_("Only administrators can change the settings."))
        super().set_values()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(
            "sendgrid_delivery.click_tracking", str(bool(self.sendgrid_click_tracking))
        )
        params.set_param(
            "sendgrid_delivery.open_tracking", str(bool(self.sendgrid_open_tracking))
        )
        if not self.env.is_system():
            return
        if self.sendgrid_use:
            if not self.sendgrid_api_key:
                raise UserError(
                    _("Enter the SendGrid API key before turning on SendGrid.")
                )
            self.env["ir.mail_server"]._sendgrid_ensure_server(self.sendgrid_api_key)
        else:
            self.env["ir.mail_server"]._sendgrid_server().write({"active": False})

    def action_sendgrid_check_domain(self):
        # a settings button reads no field: no access rule would stop a caller
        if not self.env.is_system():
            raise AccessError(_("Only system administrators can check the domain."))
        self.ensure_one()
        self.execute()  # keep what the user typed before checking
        return self.env["sendgrid.domain.check"]._open_new()

    def action_sendgrid_reconcile(self):
        """Read SendGrid's suppression lists now and apply what the webhook missed."""
        # a settings button reads no field: no access rule would stop a caller
        if not self.env.is_system():
            raise AccessError(
                _("Only system administrators can reconcile with SendGrid.")
            )
        self.ensure_one()
        self.execute()  # keep the API key the user typed before pressing
        Event = self.env["sendgrid.event"].sudo()
        result = Event._sendgrid_reconcile()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("SendGrid reconciliation"),
                "message": Event._sendgrid_reconcile_message(result),
                "type": "success" if result["ok"] else "warning",
                "sticky": not result["ok"],
                "next": {"type": "ir.actions.client", "tag": "reload"},
            },
        }
