import re

from markupsafe import Markup

from odoo import fields, models

# An unsubscribe anchor whose href is a contact's preferences page.
PREFERENCES_ANCHOR = re.compile(
    r'(<a\b[^>]*href="[^"]*/mailing/preferences/(\d+)/[0-9a-f]+"[^>]*>)'
    r"\s*Unsubscribe\s*(</a>)",
    re.IGNORECASE,
)


class MailMail(models.Model):
    _inherit = "mail.mail"

    failure_type = fields.Selection(
        selection_add=[
            ("mail_no_consent", "No e-marketing consent"),
            ("mail_not_subscribed", "Not subscribed to the mailing's type"),
        ]
    )

    def _prepare_outgoing_list(
        self, mail_server=False, recipients_follower_status=None
    ):
        """Name the unsubscribe link "Manage subscriptions" (in the contact's
        language) when it leads to the contact's preferences page."""
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server,
            recipients_follower_status=recipients_follower_status,
        )
        if not self.res_id or not self.mailing_id:
            return email_list
        for values in email_list:
            body = values.get("body")
            if not body or "/mailing/preferences/" not in body:
                continue
            match = PREFERENCES_ANCHOR.search(body)
            if not match:
                continue
            partner = self.env["res.partner"].sudo().browse(int(match.group(2)))
            lang = partner.exists().lang or self.env.lang
            label = Markup.escape(
                self.with_context(lang=lang).env._("Manage subscriptions")
            )
            new_body = PREFERENCES_ANCHOR.sub(
                lambda m, label=label: f"{m.group(1)}{label}{m.group(3)}", body
            )
            values["body"] = body.__class__(new_body)
        return email_list
