from odoo import fields, models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    sendgrid_engagement = fields.Selection(
        [("open", "Opened"), ("click", "Clicked")],
        string="Engagement (SendGrid)",
        readonly=True,
        help="What the recipient did with the e-mail, as reported by SendGrid.",
    )

    def _to_store(self, store, /):
        result = super()._to_store(store)
        # the chatter's recipient popover shows it next to "Delivered"
        for notification in self.filtered("sendgrid_engagement"):
            store.add(
                notification, {"sendgrid_engagement": notification.sendgrid_engagement}
            )
        return result
