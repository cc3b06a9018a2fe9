from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.partner_phone_e164.services import phone as phone_service


class ResUsers(models.Model):
    _inherit = "res.users"

    unitel_own_number = fields.Char(
        string="Own Phone Number or Extension",
        help="The phone or softphone extension that rings first when you click a "
        "phone number in HTTP API mode ({from} in the request), and that tells "
        "which user an incoming-call notification is for.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["unitel_own_number"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["unitel_own_number"]

    @api.constrains("unitel_own_number")
    def _check_unitel_own_number(self):
        """The own number goes to the PBX as ``{from}``: an extension or a
        phone number, never free text."""
        for user in self.filtered("unitel_own_number"):
            if user.share:
                raise ValidationError(
                    _("Only internal users have an own number or extension.")
                )
            try:
                user._unitel_dial_own_number()
            except phone_service.PhoneNumberError as exc:
                raise ValidationError(
                    _(
                        "“%(number)s” is not an extension (up to 6 digits) or a "
                        "phone number: %(reason)s",
                        number=user.unitel_own_number,
                        reason=self.env["unitel.call"]._unitel_number_error_message(
                            exc
                        ),
                    )
                ) from exc

    def _unitel_dial_own_number(self):
        """The own number as the PBX gets it (extension as typed, else E.164);
        raises PhoneNumberError for anything else."""
        self.ensure_one()
        region = self.sudo().company_id.partner_id.country_id.code or None
        return phone_service.own_number(self.unitel_own_number, region)

    @api.model
    def _unitel_users_for_number(self, number, region=None):
        """Internal users whose own number or extension is ``number``.

        Extensions are compared as typed ("201"); full numbers in E.164, so
        "+45 70 12 34 56" matches "70123456".
        """
        number = (number or "").strip()
        if not number:
            return self.browse()
        users = self.sudo().search(
            [("unitel_own_number", "!=", False), ("share", "=", False)]
        )
        wanted = phone_service.to_e164_or_none(number, region)
        return users.filtered(
            lambda user: (
                user.unitel_own_number.strip() == number
                or (
                    wanted
                    and phone_service.to_e164_or_none(user.unitel_own_number, region)
                    == wanted
                )
            )
        )
