from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dk_rates_valid_until = fields.Date(
        string="Danish Rates Cover Trips Until",
        compute="_compute_dk_rates_valid_until",
        help="Last day covered by both the per-diem and the mileage rates. Add "
        "next year's rates before trips after this day are claimed.",
    )

    def _compute_dk_rates_valid_until(self):
        last_days = []
        for model in ("hr.expense.dk.rate", "hr.expense.dk.mileage.rate"):
            groups = self.env[model]._read_group([], [], ["date_to:max"])
            last_days.append(groups[0][0])
        known = [day for day in last_days if day]
        for settings in self:
            settings.dk_rates_valid_until = min(known) if known else False
