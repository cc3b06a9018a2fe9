from odoo import api, models, tools


class MailBlacklist(models.Model):
    _inherit = "mail.blacklist"

    @api.model
    def _sendgrid_add(self, emails):
        """Blacklist many addresses at once (re-activating archived entries)."""
        normalized = {tools.email_normalize(e) for e in emails} - {False}
        if not normalized:
            return self.browse()
        existing = self.with_context(active_test=False).search(
            [("email", "in", list(normalized))]
        )
        existing.filtered(lambda r: not r.active).write({"active": True})
        new = normalized - set(existing.mapped("email"))
        created = self.create([{"email": email} for email in sorted(new)])
        return existing | created
