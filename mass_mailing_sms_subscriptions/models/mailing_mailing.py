from odoo import api, models

from odoo.addons.mass_mailing_subscriptions.models.mailing_mailing import (
    CONTACT_MARKER,
    ConsentChannel,
)

# The SMS failure type of each kind of exclusion (named by the e-mail's).
SMS_FAILURE_TYPE_OF = {
    "mail_no_consent": "sms_no_consent",
    "mail_not_subscribed": "sms_not_subscribed",
    "mail_address_withdrawn": "sms_number_withdrawn",
    "mail_marketing_protected": "sms_marketing_protected",
}
SMS_FAILURE_TYPES = tuple(SMS_FAILURE_TYPE_OF.values())
# An SMS reaches a number: contacts share it by Odoo's sanitised number
# (``phone_sanitized``, stored by the phone mixin, indexed by this addon).
SMS_CHANNEL = ConsentChannel(
    "sms_marketing", "phone_sanitized", "number", SMS_FAILURE_TYPE_OF
)
# The text of an SMS mailing: an approved consent bypass covers it too.
SMS_BYPASS_BOUND_FIELDS = frozenset({"body_plaintext", "sms_template_id"})


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    def write(self, vals):
        # As for an e-mail's body (mass_mailing_subscriptions): rewriting the
        # text of an approved bypass is the override group's.
        if (
            set(vals) & SMS_BYPASS_BOUND_FIELDS
            and vals.get("bypass_consent") is not False
            and self.filtered("bypass_consent")
        ):
            self._check_bypass_consent_access()
        return super().write(vals)

    def _consent_channel(self):
        self.ensure_one()
        if self.mailing_type == "sms":
            return SMS_CHANNEL
        return super()._consent_channel()

    @api.model
    def _consent_excluded_failure_types(self):
        return super()._consent_excluded_failure_types() + SMS_FAILURE_TYPES

    def _consent_failure_reasons(self):
        self.ensure_one()
        if self.mailing_type != "sms":
            return super()._consent_failure_reasons()
        # by kind of exclusion, as the e-mail's (see ``SMS_FAILURE_TYPE_OF``)
        return {
            **super()._consent_failure_reasons(),
            "mail_no_consent": self.env._("no SMS-marketing consent"),
            "mail_not_subscribed": self.env._(
                "not subscribed to %(type)s", type=self.subscription_type_id.name
            ),
            "mail_address_withdrawn": self.env._(
                "%(contact)s, another contact with this number, withdrew from "
                "SMS marketing",
                contact=CONTACT_MARKER,
            ),
        }
