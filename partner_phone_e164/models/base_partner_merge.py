from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        # The generic foreign-key rewrite also moves the merged contacts' rows
        # of the number lookup table to the kept contact; the kept contact
        # answers to its own numbers only (plus those it takes over, which
        # reach the table when the merged values are written).
        result = super()._update_foreign_keys(src_partners, dst_partner)
        self.env["res.partner"]._e164_sync_numbers(dst_partner.ids)
        return result
