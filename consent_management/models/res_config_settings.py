from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    consent_emarketing_privacy = fields.Boolean(
        string="E-marketing privacy",
        config_parameter="consent_management.emarketing_privacy",
        help="When on, marketing messages only go to contacts with an active "
        "record for the matching purpose.",
    )
    consent_double_opt_in_validity_days = fields.Integer(
        string="Double opt-in link validity (days)",
        config_parameter="consent_management.double_opt_in_validity_days",
        default=14,
    )

    def action_consent_run_initializer(self):
        """Run the initialisation rules again and show what each rule did.

        Settings actions read no field, so no access rule runs: check first."""
        self.env["consent.initializer"]._check_may_run_rules()
        return self.env["consent.init.report"].action_run()
