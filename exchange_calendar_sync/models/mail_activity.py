from odoo import fields, models

SYNCED_FIELDS = {"summary", "note", "date_deadline", "user_id"}


class MailActivity(models.Model):
    _inherit = "mail.activity"

    exchange_need_sync = fields.Boolean(
        default=lambda self: not self.env.context.get("exchange_sync_skip"),
        copy=False,
        help="Not yet an Outlook task: created there on the next sync.",
    )

    def _exchange_links(self):
        return (
            self.env["exchange.item.link"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("pending_action", "=", False),
                ]
            )
        )

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("exchange_sync_skip") and SYNCED_FIELDS & set(vals):
            self._exchange_links().write({"need_push": True})
        return result

    def _action_done(self, feedback=False, attachment_ids=None):
        if not self.env.context.get("exchange_sync_skip"):
            self._exchange_links().write(
                {"pending_action": "complete", "need_push": False}
            )
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        if not self.env.context.get("exchange_sync_skip"):
            self._exchange_links().write(
                {"pending_action": "delete", "need_push": False}
            )
        return super().unlink()
