from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.consent_management.models.consent_purpose import (
    LEGAL_BASIS_SELECTION,
)

from .res_partner import STANDING_SELECTION

SERVICE_CALL = "service_call"
# The standing at the moment of the call is evidence: only the server sets it.
CONSENT_FIELDS = frozenset(
    {
        "phone_marketing_state",
        "phone_marketing_legal_basis",
        "was_marketing_protected",
        "is_service_call",
    }
)


class UnitelCall(models.Model):
    _inherit = "unitel.call"

    phone_marketing_state = fields.Selection(
        STANDING_SELECTION,
        string="Phone marketing consent at the call",
        readonly=True,
        help="The contact's standing for Phone marketing when the call was placed.",
    )
    phone_marketing_legal_basis = fields.Selection(
        LEGAL_BASIS_SELECTION,
        string="Legal basis at the call",
        readonly=True,
        help="The legal basis of the contact's Phone marketing record when the "
        "call was placed.",
    )
    was_marketing_protected = fields.Boolean(
        string="Protected from marketing at the call",
        readonly=True,
        help="The contact was marked protected from marketing (Robinson) when "
        "the call was placed.",
    )
    is_service_call = fields.Boolean(
        string="Service call",
        readonly=True,
        index="btree_not_null",
        help="The caller answered that this call to a contact protected from "
        "marketing calls is a service call, not marketing.",
    )

    # -- who sets the consent facts -------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        calls = super().create(vals_list)
        # checked after create: default_* context arrives late
        if not self.env.su:
            for name in CONSENT_FIELDS:
                if any(calls.mapped(name)):
                    raise AccessError(self._unitel_consent_message())
        return calls

    def write(self, vals):
        if vals.keys() & CONSENT_FIELDS and not self.env.su:
            raise AccessError(self._unitel_consent_message())
        return super().write(vals)

    def _unitel_consent_message(self):
        return _(
            "The consent standing of a call and whether it is a service call are "
            "recorded by the call button only."
        )

    # -- click-to-call hooks ----------------------------------------------------
    @api.model
    def _unitel_before_dial(self, partner, e164, confirmations):
        question = super()._unitel_before_dial(partner, e164, confirmations)
        if question or not partner or SERVICE_CALL in confirmations:
            return question
        reasons = self._unitel_marketing_block_reasons(partner)
        if not reasons:
            return None
        return {
            "key": SERVICE_CALL,
            "title": _("Service call?"),
            "message": _(
                "This contact is protected from marketing calls (%(reasons)s). "
                "Is this a service call?",
                reasons="; ".join(reasons),
            ),
            "confirm_label": _("Yes, a service call"),
        }

    @api.model
    def _unitel_marketing_block_reasons(self, partner):
        """Why ``partner`` may not get marketing calls, in the user's words
        (empty when they may)."""
        partner = partner.sudo()
        reasons = []
        if partner.is_marketing_protected:
            reasons.append(_("marked Reklamebeskyttet, protected from marketing"))
        standing = partner._unitel_phone_standing().get(partner.id, {})
        if standing.get("state") == "withdrawn":
            withdrawn_at = standing["record"].withdrawn_at
            if withdrawn_at:
                reasons.append(
                    _(
                        "phone marketing consent withdrawn on %(date)s",
                        date=fields.Date.to_string(withdrawn_at.date()),
                    )
                )
            else:
                reasons.append(_("phone marketing consent withdrawn"))
        return reasons

    def _unitel_on_dial(self, confirmations):
        result = super()._unitel_on_dial(confirmations)
        for call in self:
            partner = call.partner_id.sudo()
            if not partner:
                continue
            standing = partner._unitel_phone_standing().get(partner.id, {})
            call.sudo().write(
                {
                    "phone_marketing_state": standing.get("state", "none"),
                    "phone_marketing_legal_basis": standing.get("legal_basis") or False,
                    "was_marketing_protected": partner.is_marketing_protected,
                    "is_service_call": SERVICE_CALL in confirmations,
                }
            )
        return result

    def _unitel_chatter_details(self):
        details = super()._unitel_chatter_details()
        if self.is_service_call:
            details.append(_("Service call (protected from marketing calls)"))
        return details
