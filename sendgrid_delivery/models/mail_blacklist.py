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
        # the e-mail log already records why; skip per-record chatter tracking
        quiet = self.with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        existing.with_env(quiet.env).filtered(lambda r: not r.active).write(
            {"active": True}
        )
        new = normalized - set(existing.mapped("email"))
        created = quiet.create([{"email": email} for email in sorted(new)])
        return existing | created
