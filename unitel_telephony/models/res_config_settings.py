import secrets

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .unitel_call import DEFAULTS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    unitel_call_mode = fields.Selection(
        [
            ("tel", "tel: link (softphone)"),
            ("callto", "callto: link"),
            ("api", "HTTP API"),
        ],
        string="Click-to-call Mode",
        default=DEFAULTS["call_mode"],
        config_parameter="unitel_telephony.call_mode",
    )
    unitel_api_url = fields.Char(
        string="API URL", config_parameter="unitel_telephony.api_url"
    )
    unitel_api_method = fields.Selection(
        [("POST", "POST"), ("PUT", "PUT"), ("GET", "GET")],
        string="API Method",
        default=DEFAULTS["api_method"],
        config_parameter="unitel_telephony.api_method",
    )
    unitel_api_headers = fields.Char(
        string="API Headers",
        default=DEFAULTS["api_headers"],
        config_parameter="unitel_telephony.api_headers",
        help="One 'Name: value' per line, or a JSON object. {token} is replaced "
        "by the API token.",
    )
    unitel_api_token = fields.Char(
        string="API Token",
        config_parameter="unitel_telephony.api_token",
        groups="base.group_system",
    )
    unitel_api_body_template = fields.Char(
        string="Body Template",
        default=DEFAULTS["api_body_template"],
        config_parameter="unitel_telephony.api_body_template",
        help="{from} is the user's own number or extension, {to} the number "
        "called in E.164 form (+4512345678). The API token goes in a header, "
        "never in the body.",
    )
    unitel_api_success_path = fields.Char(
        string="Success Path",
        config_parameter="unitel_telephony.api_success_path",
        help="Dotted path in the JSON answer that tells whether the call was "
        "started, e.g. 'success' or 'result.status'. Empty: the HTTP status alone "
        "decides.",
    )
    unitel_api_success_value = fields.Char(
        string="Success Value",
        config_parameter="unitel_telephony.api_success_value",
        help="Value expected at the success path (e.g. 'ok'). Empty: any true "
        "value means success.",
    )
    unitel_api_error_path = fields.Char(
        string="Error Message Path",
        config_parameter="unitel_telephony.api_error_path",
        help="Dotted path to the error text in the JSON answer, e.g. "
        "'error.message'; shown to the user when a call fails.",
    )
    unitel_api_timeout = fields.Integer(
        string="API Timeout (seconds)",
        default=int(DEFAULTS["api_timeout"]),
        config_parameter="unitel_telephony.api_timeout",
    )
    unitel_webhook_token = fields.Char(
        string="Notification Token",
        config_parameter="unitel_telephony.webhook_token",
        groups="base.group_system",
        help="Secret the PBX sends (Authorization: Bearer ...) when it posts a "
        "call to /unitel/calls. Without it, notifications are refused.",
    )
    unitel_incoming_url = fields.Char(
        string="Pop-up URL", compute="_compute_unitel_urls"
    )
    unitel_notification_url = fields.Char(
        string="Notification URL", compute="_compute_unitel_urls"
    )

    @api.model
    def default_get(self, fields_list):
        # core reads config_parameter fields as superuser for whoever asks, so
        # default_get(["unitel_api_token"]) over JSON-RPC gave any user the token
        res = super().default_get(fields_list)
        if not self.env.su:
            for name in ("unitel_api_token", "unitel_webhook_token"):
                if name in res and not self._fields[name].is_accessible(self.env):
                    del res[name]
        return res

    @api.depends("unitel_call_mode")
    def _compute_unitel_urls(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for settings in self:
            settings.unitel_incoming_url = (
                f"{base_url}/unitel/incoming?number=<caller number>"
            )
            settings.unitel_notification_url = f"{base_url}/unitel/calls"

    @api.constrains("unitel_api_url", "unitel_api_body_template")
    def _check_unitel_token_in_header_only(self):
        """URLs and bodies end up in logs: the token goes in a header."""
        for settings in self:
            for text in (settings.unitel_api_url, settings.unitel_api_body_template):
                if text and "{token}" in text:
                    raise ValidationError(
                        _(
                            "The API token may only be sent in a header: remove "
                            "{token} from the API URL and the body template."
                        )
                    )

    def _unitel_check_settings_access(self):
        """Settings actions read no field, so no access right guards them:
        only system administrators (who alone see the page) may run them."""
        if not self.env.is_system():
            raise AccessError(
                _("Only administrators may change the telephony settings.")
            )

    def action_unitel_generate_webhook_token(self):
        """Create a new random notification token (old one stops working)."""
        self._unitel_check_settings_access()
        self.ensure_one()
        token = secrets.token_urlsafe(32)
        self.env["ir.config_parameter"].sudo().set_param(
            "unitel_telephony.webhook_token", token
        )
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_unitel_renormalise_numbers(self):
        """Recompute every contact's E.164 numbers set-based (after a country
        change of the company, for instance)."""
        self._unitel_check_settings_access()
        count = self.env["res.partner"].sudo()._e164_fill()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "Phone numbers normalised again; %(count)s values changed.",
                    count=count,
                ),
            },
        }
