from odoo import fields, models

WHATSAPP_MARKS = [
    ("outgoing", "Queued"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("read", "Read"),
    ("failed", "Failed"),
]


class MailNotification(models.Model):
    """One notification of type ``whatsapp`` per Discuss message sent on
    WhatsApp: Discuss shows its status next to the message, as it does for
    e-mails and SMS."""

    _inherit = "mail.notification"

    notification_type = fields.Selection(
        selection_add=[("whatsapp", "WhatsApp")], ondelete={"whatsapp": "cascade"}
    )
    whatsapp_status = fields.Selection(
        WHATSAPP_MARKS,
        string="WhatsApp Status",
        readonly=True,
        help="The least advanced status of the WhatsApp messages sent for this "
        "Discuss message (a text and its files are separate WhatsApp messages).",
    )

    def _to_store(self, store, /):
        result = super()._to_store(store)
        for notif in self.filtered(lambda n: n.notification_type == "whatsapp"):
            store.add(notif, {"whatsapp_status": notif.whatsapp_status or False})
        return result
