from odoo import api, fields, models


class ExchangeItemLink(models.Model):
    _name = "exchange.item.link"
    _description = "Exchange Item Link"
    _order = "mailbox_id, id desc"

    mailbox_id = fields.Many2one(
        "exchange.sync.mailbox", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="mailbox_id.user_id", store=True, string="User")
    res_model = fields.Selection(
        [
            ("calendar.event", "Calendar event"),
            ("calendar.recurrence", "Recurring series"),
            ("mail.activity", "Activity / task"),
        ],
        "Type",
        required=True,
        index=True,
    )
    res_id = fields.Many2oneReference(
        "Odoo record", model_field="res_model", required=True, index=True
    )
    record_name = fields.Char("Record", compute="_compute_record_name")
    remote_id = fields.Char(
        "Remote ID",
        required=True,
        index=True,
        help="Graph item id or EWS ItemId; changes when a mailbox moves.",
    )
    ical_uid = fields.Char(
        "iCalUId",
        index=True,
        help="The meeting's id shared by all attendees' calendars.",
    )
    change_key = fields.Char(
        "Change key", help="Version of the remote item when last synced."
    )
    remote_last_modified = fields.Datetime("Remote last modified")
    last_synced = fields.Datetime()
    need_push = fields.Boolean(
        "Changed in Odoo",
        index=True,
        help="Changed in Odoo since the last sync; sent to Outlook on the next run.",
    )
    pending_action = fields.Selection(
        [("delete", "Delete in Outlook"), ("complete", "Complete in Outlook")],
        index=True,
        help="The Odoo record is gone; the next run deletes or completes the Outlook "
        "item.",
    )
    is_origin = fields.Boolean(
        "Organizer's copy",
        help="The item Odoo created or the organizer's copy; deleting it in Outlook "
        "cancels the meeting in Odoo.",
    )
    seen_run = fields.Integer(help="Last full sync that saw the remote item.")

    _sql_constraints = [
        (
            "remote_uniq",
            "unique(mailbox_id, res_model, remote_id)",
            "A remote item is linked once per mailbox.",
        ),
        (
            "record_uniq",
            "unique(mailbox_id, res_model, res_id)",
            "An Odoo record is linked once per mailbox.",
        ),
    ]

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for link in self:
            record = (
                self.env[link.res_model].browse(link.res_id).exists()
                if link.res_model and link.res_id
                else None
            )
            link.record_name = (
                record.display_name if record else self.env._("(deleted)")
            )

    @api.depends("record_name", "mailbox_id")
    def _compute_display_name(self):
        for link in self:
            link.display_name = f"{link.record_name} ↔ {link.mailbox_id.email}"

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
