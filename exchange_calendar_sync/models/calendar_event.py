from odoo import api, fields, models

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
    _name = "calendar.event"
    _inherit = ["calendar.event", "exchange.sync.mixin"]

    _exchange_sync_sequence = 10
    _exchange_state_field = "event_sync_state"
    _exchange_full_field = "is_event_full_sync"
    _exchange_run_field = "event_full_sync_run"

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

    def _exchange_tracked(self):
        """Whether a change here is sent to Outlook (not a write coming from
        Outlook, nor one of the events a series rewrite replaces)."""
        return not (
            self.env.context.get("exchange_sync_skip")
            or self.env.context.get("exchange_series_rewrite")
        )

    def write(self, vals):
        result = super().write(vals)
        if self._exchange_tracked() and SYNCED_FIELDS & set(vals):
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
        if self._exchange_tracked():
            links = self.sudo().exchange_link_ids.filtered(
                lambda link: not link.pending_action
            )
            links.write({"pending_action": "delete", "need_push": False})
        return super().unlink()

    def _rewrite_recurrence(self, values, time_values, recurrence_values):
        """An "all events" edit of a series Odoo remakes (new rule, time or
        subject): the Outlook series master is updated once, instead of each
        occurrence being deleted or changed one by one. The series' links
        follow the new recurrence; the occurrences' links are dropped, as
        Outlook remakes its occurrences too (the next run links them again).
        """
        old = self.recurrence_id
        Link = self.env["exchange.item.link"].sudo()
        series_links = (
            Link.search(
                [("res_model", "=", "calendar.recurrence"), ("res_id", "=", old.id)]
            )
            if old
            and self._exchange_tracked()
            # Odoo remakes the series only for these; else it writes each event
            and (time_values or recurrence_values or self._check_values_to_sync(values))
            else Link
        )
        if not series_links:
            return super()._rewrite_recurrence(values, time_values, recurrence_values)
        old_events = old.with_context(active_test=False).calendar_event_ids
        base = old.base_event_id or old._get_first_event(include_outliers=False)
        result = super(
            CalendarEvent, self.with_context(exchange_series_rewrite=True)
        )._rewrite_recurrence(values, time_values, recurrence_values)
        new = base.recurrence_id
        if not old.exists() and new:
            Link.search(
                [("res_model", "=", "calendar.event"), ("res_id", "in", old_events.ids)]
            ).unlink()
            series_links.write({"res_id": new.id, "need_push": True})
        return result

    # -- exchange.sync.mixin hooks ----------------------------------------------
    @api.model
    def _exchange_before_pull(self, mailbox, backend, box, window, stats):
        mailbox._move_window(backend, box, window, stats)

    @api.model
    def _exchange_fetch_page(self, mailbox, backend, box, state, window):
        return backend.events_page(box, state, window)

    @api.model
    def _exchange_apply_page(self, mailbox, items, stats, backend, box):
        mailbox._apply_event_page(items, stats, backend, box)

    @api.model
    def _exchange_purge_unseen(self, mailbox, unseen, backend, box, window, stats):
        """Events the round did not list may only have moved out of the window:
        the backend is asked for those, and they are updated, not deleted."""
        events = self.browse(unseen.mapped("res_id")).exists()
        in_window = events.filtered(
            lambda e: e.stop >= window[0] and e.start <= window[1]
        )
        unseen = unseen.filtered(
            lambda link: link.res_id in in_window.ids or link.res_id not in events.ids
        )
        moved = backend.refetch_events(box, unseen.mapped("remote_id"))
        if moved:
            mailbox._apply_event_page(moved, stats, backend, box)
            found = {item["remote_id"] for item in moved}
            unseen = unseen.filtered(lambda link: link.remote_id not in found)
        for link in unseen.exists():
            mailbox._remote_event_removed(link)
        stats["pulled"] += len(unseen)

    @api.model
    def _exchange_push_context(self, mailbox):
        return {"mailbox_by_user": mailbox._mailboxes_by_user()}

    @api.model
    def _exchange_push_pending(self, mailbox, backend, box, link):
        backend.delete_event(box, link.remote_id)

    def _exchange_push_values(self, mailbox, context):
        if not self or not self.active:
            return None
        return mailbox._event_payload_values(self, context["mailbox_by_user"])

    @api.model
    def _exchange_remote_update(self, mailbox, backend, box, remote_id, values):
        return backend.update_event(box, remote_id, values)

    @api.model
    def _exchange_remote_delete(self, mailbox, backend, box, remote_id):
        backend.delete_event(box, remote_id)

    @api.model
    def _exchange_push_extra(self, mailbox, backend, box, window, context, stats, now):
        if not backend.supports_series:
            return
        mailbox_by_user = context["mailbox_by_user"]
        mailbox._push_series_changes(backend, box, mailbox_by_user, stats, now)
        mailbox._push_new_items(
            mailbox._recurrences_to_create(window, mailbox_by_user),
            "calendar.recurrence",
            lambda recurrence, key: backend.create_event(
                box, mailbox._series_payload_values(recurrence, mailbox_by_user), key
            ),
            mailbox._push_batch_size(),
            stats,
            now,
        )

    @api.model
    def _exchange_records_to_create(self, mailbox, window, context):
        return mailbox._events_to_create(window, context["mailbox_by_user"])

    def _exchange_remote_create(self, mailbox, backend, box, key, context):
        values = mailbox._event_payload_values(self, context["mailbox_by_user"])
        return backend.create_event(box, values, key)

    def action_open_exchange_links(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Outlook copies"),
            "res_model": "exchange.item.link",
            "view_mode": "list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
        }
