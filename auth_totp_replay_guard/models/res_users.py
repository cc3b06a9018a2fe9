import base64
import logging

from odoo import fields, models
from odoo.exceptions import AccessDenied

from odoo.addons.auth_totp.models.totp import TOTP

_logger = logging.getLogger(__name__)


class ResUsers(models.Model):
    _inherit = "res.users"

    totp_last_counter = fields.Integer(
        string="Last accepted TOTP time step",
        groups="base.group_system",
        copy=False,
        help="Time step of the last authenticator code accepted at login. "
        "RFC 6238 (section 5.2) forbids accepting a code a second time.",
    )

    def _totp_check(self, code):
        sudo = self.sudo()
        counter = TOTP(base64.b32decode(sudo.totp_secret)).match(code)
        if counter is not None and counter <= sudo.totp_last_counter:
            _logger.info("2FA check: REPLAY refused for %s %r", self, sudo.login)
            raise AccessDenied(
                self.env._(
                    "This code has already been used. Wait for the next code "
                    "of your authenticator app."
                )
            )
        result = super()._totp_check(code)
        sudo.totp_last_counter = counter
        return result
