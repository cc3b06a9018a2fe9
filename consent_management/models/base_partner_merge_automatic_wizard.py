from odoo import api, models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        # Core moves rows by SQL and deletes the consent records that clash
        # with the one-per-purpose constraint, losing withdrawals: merge the
        # consent first, the most restrictive standing winning.
        src_partners._consent_merge_into(dst_partner)
        return super()._update_foreign_keys(src_partners, dst_partner)
