from odoo import api, fields, models

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

    whatsapp_channel_id = fields.Many2one(
        "discuss.channel",
        string="WhatsApp Conversation",
        compute="_compute_whatsapp_channel_id",
        store=True,
        index="btree_not_null",
        help="The conversation of a WhatsApp mark: its record rule lets only the "
        "account's team and the conversation's members read the mark.",
    )

    @api.depends("notification_type", "mail_message_id")
    def _compute_whatsapp_channel_id(self):
        # sudo: the mark's message is read to find its conversation, nothing shown
        for notif in self:
            message = notif.sudo().mail_message_id
            is_whatsapp = (
                notif.notification_type == "whatsapp"
                and message.model == "discuss.channel"
            )
            notif.whatsapp_channel_id = message.res_id if is_whatsapp else False

    def _to_store(self, store, /):
        result = super()._to_store(store)
        for notif in self.filtered(lambda n: n.notification_type == "whatsapp"):
            failed = notif.whatsapp_status == "failed"
            store.add(
                notif,
                {
                    "whatsapp_status": notif.whatsapp_status or False,
                    # Meta's reason, shown in the mark's popover (also posted
                    # in the conversation, so no more than members already read)
                    "whatsapp_failure_reason": failed and notif.failure_reason or False,
                },
            )
        return result
