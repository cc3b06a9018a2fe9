from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    whatsapp_http_timeout = fields.Integer(
        string="WhatsApp Request Timeout",
        config_parameter="whatsapp_business.http_timeout",
        default=20,
        help="Seconds Odoo waits for Meta before trying again later.",
    )
    whatsapp_max_attempts = fields.Integer(
        string="WhatsApp Sending Attempts",
        config_parameter="whatsapp_business.max_attempts",
        default=24,
        help="Attempts before a message Meta could not take is marked failed; the "
        "pauses between attempts grow from 1 minute to 1 hour.",
    )
    whatsapp_account_count = fields.Integer(compute="_compute_whatsapp_account_count")

    @api.depends("company_id")
    def _compute_whatsapp_account_count(self):
        count = self.env["whatsapp.account"].search_count([])
        for settings in self:
            settings.whatsapp_account_count = count

    @api.constrains("whatsapp_http_timeout", "whatsapp_max_attempts")
    def _check_whatsapp_limits(self):
        for settings in self:
            if settings.whatsapp_http_timeout < 1 or settings.whatsapp_max_attempts < 1:
                raise ValidationError(
                    self.env._(
                        "The WhatsApp timeout and number of attempts must be at "
                        "least 1."
                    )
                )
