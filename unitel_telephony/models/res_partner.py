from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class ResPartner(models.Model):
    # The E.164 values and the lookup of a caller's contacts live in
    # partner_phone_e164 (phone_e164, mobile_e164, _search_e164).
    _inherit = "res.partner"

    unitel_call_ids = fields.One2many("unitel.call", "partner_id", string="Calls")
    unitel_call_count = fields.Integer(
        string="Call Count", compute="_compute_unitel_call_count"
    )

    def _compute_unitel_call_count(self):
        counts = dict(
            self.env["unitel.call"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.unitel_call_count = counts.get(partner._origin, 0)

    # -- actions ---------------------------------------------------------------
    def action_unitel_view_calls(self):
        if not self.env.user._is_internal():
            raise AccessError(_("Only internal users can see the call log."))
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "unitel_telephony.unitel_call_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        action["display_name"] = _("Calls with %(name)s", name=self.display_name)
        return action

    @api.model
    def _unitel_linkable_call(self, call_id):
        """The unknown caller's call a new contact may be linked to, or None."""
        if not isinstance(call_id, int) or isinstance(call_id, bool):
            return None
        call = self.env["unitel.call"].browse(call_id).exists()
        if not call or call.sudo().partner_id or not call.has_access("read"):
            return None
        return call

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        call_id = self.env.context.get("unitel_call_id")
        if call_id:
            # A contact created from the "unknown caller" pop-up: link the call.
            # Only a call the user may see, and only to a contact with its number.
            call = self._unitel_linkable_call(call_id)
            if call:
                match = partners.filtered(
                    lambda p: call.number in (p.phone_e164, p.mobile_e164)
                )[:1]
                if match:
                    call.sudo().partner_id = match
        return partners
