from odoo import api, fields, models


class ConsentInitReport(models.TransientModel):
    _name = "consent.init.report"
    _description = "Consent initialisation report"

    line_ids = fields.One2many(
        "consent.init.report.line", "report_id", string="Rules", readonly=True
    )
    without_emarketing_count = fields.Integer(
        string="Contacts without E-marketing record", readonly=True
    )
    total_count = fields.Integer(
        string="Contacts touched in total", compute="_compute_total_count"
    )

    @api.depends("line_ids.count")
    def _compute_total_count(self):
        for report in self:
            report.total_count = sum(report.line_ids.mapped("count"))

    @api.model
    def action_run(self):
        """Run the initialisation rules and show what each did (officers only)."""
        initializer = self.env["consent.initializer"]
        # Before any sudo: the rules run as superuser over every contact.
        initializer._check_may_run_rules()
        results = initializer._run_rules()
        without_emarketing = initializer.sudo()._count_without_emarketing()
        report = self.create(
            {
                "line_ids": [
                    fields.Command.create(
                        {"sequence": index, "name": name, "count": count}
                    )
                    for index, (name, count) in enumerate(results)
                ],
                "without_emarketing_count": without_emarketing,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Consent initialisation"),
            "res_model": self._name,
            "res_id": report.id,
            "view_mode": "form",
            "target": "new",
        }
