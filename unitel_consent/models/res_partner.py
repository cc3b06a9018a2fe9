from odoo import api, fields, models

PHONE_MARKETING = "phone_marketing"
STANDING_SELECTION = [
    ("none", "No record"),
    ("active", "Active"),
    ("withdrawn", "Withdrawn"),
    ("expired", "Expired"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    phone_marketing_state = fields.Selection(
        STANDING_SELECTION,
        string="Phone marketing consent",
        compute="_compute_phone_marketing_state",
        help="Standing of the contact for the Phone marketing purpose.",
    )
    is_phone_marketing_blocked = fields.Boolean(
        string="No marketing calls",
        compute="_compute_phone_marketing_state",
        help="The contact is protected from marketing (Robinson) or withdrew "
        "phone marketing: the call button asks whether a call is a service call.",
    )

    @api.depends(
        "is_marketing_protected",
        "consent_record_ids.state",
        "consent_record_ids.expires_on",
    )
    def _compute_phone_marketing_state(self):
        standings = self._unitel_phone_standing()
        for partner in self:
            state = standings.get(partner.id, {}).get("state", "none")
            partner.phone_marketing_state = state
            partner.is_phone_marketing_blocked = (
                partner.is_marketing_protected or state == "withdrawn"
            )

    def _unitel_phone_standing(self):
        """``{partner id: {"state", "legal_basis", "record"}}`` for phone
        marketing, read in one search whatever the user may read of the
        consent records (the standing is what the call button acts on)."""
        ids = [pid for pid in self.ids if pid]
        if not ids:
            return {}
        # an archived purpose still counts; a deleted one leaves no standing
        # (the Robinson mark still holds) rather than blocking every call
        purpose = (
            self.env["consent.purpose"]
            .sudo()
            .with_context(active_test=False)
            .search([("code", "=", PHONE_MARKETING)], limit=1)
        )
        if not purpose:
            return {}
        records = (
            self.env["consent.record"]
            .sudo()
            .search([("partner_id", "in", ids), ("purpose_id", "=", purpose.id)])
        )
        today = fields.Date.context_today(self)
        result = {}
        for record in records:
            state = record.state
            if state == "active" and record.expires_on and record.expires_on < today:
                state = "expired"
            result[record.partner_id.id] = {
                "state": state,
                "legal_basis": record.legal_basis,
                "record": record,
            }
        return result
