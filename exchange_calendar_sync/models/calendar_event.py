from odoo import fields, models

# fields whose change is sent to Outlook
SYNCED_FIELDS = {
    "name",
    "start",
    "stop",
    "allday",
    "start_date",
    "stop_date",
    "location",
    "description",
    "partner_ids",
    "user_id",
    "privacy",
    "show_as",
    "event_tz",
    "active",
}


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    exchange_need_sync = fields.Boolean(
        default=lambda self: not self.env.context.get("exchange_sync_skip"),
        copy=False,
        help="Not yet in any Outlook calendar: created there on the next sync.",
    )
    exchange_link_ids = fields.One2many(
        "exchange.item.link",
        "res_id",
        string="Outlook copies",
        domain=[("res_model", "=", "calendar.event")],
        groups="base.group_user",
    )
    exchange_link_count = fields.Integer(
        compute="_compute_exchange_link_count", string="Outlook calendars"
    )

    def _compute_exchange_link_count(self):
        for event in self:
            event.exchange_link_count = len(
                event.sudo().exchange_link_ids.filtered(
                    lambda link: not link.pending_action
                )
            )

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("exchange_sync_skip") and SYNCED_FIELDS & set(vals):
            links = self.sudo().exchange_link_ids.filtered(
                lambda link: not link.pending_action
            )
            links.write({"need_push": True})
            if "exchange_need_sync" not in vals:
                super(CalendarEvent, self.with_context(exchange_sync_skip=True)).write(
                    {"exchange_need_sync": True}
                )
        return result

    def unlink(self):
        if not self.env.context.get("exchange_sync_skip"):
            links = self.sudo().exchange_link_ids.filtered(
                lambda link: not link.pending_action
            )
            links.write({"pending_action": "delete", "need_push": False})
        return super().unlink()

    def action_open_exchange_links(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Outlook copies"),
            "res_model": "exchange.item.link",
            "view_mode": "list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
        }
