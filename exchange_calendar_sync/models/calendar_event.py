from odoo import api, fields, models
from odoo.tools import email_normalize

from ..services import mapping
from .exchange_sync_mailbox import SYNC_CONTEXT

RECURRENCE = "calendar.recurrence"  # a series master is linked to it

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
        self._exchange_move_window(mailbox, backend, box, window, stats)

    @api.model
    def _exchange_fetch_page(self, mailbox, backend, box, state, window):
        return backend.events_page(box, state, window)

    @api.model
    def _exchange_apply_page(self, mailbox, items, stats, backend, box):
        self._exchange_apply_event_page(mailbox, items, stats, backend, box)

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
            self._exchange_apply_event_page(mailbox, moved, stats, backend, box)
            found = {item["remote_id"] for item in moved}
            unseen = unseen.filtered(lambda link: link.remote_id not in found)
        for link in unseen.exists():
            self._exchange_remote_event_removed(mailbox, link)
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
        return self._exchange_payload(mailbox, context["mailbox_by_user"])

    def _exchange_payload(self, mailbox, mailbox_by_user):
        """What Outlook receives for this event: attendees by the address of
        their mailbox when they have one."""
        organizer = mailbox_by_user.get(self.user_id.id)
        organizer_email = (
            organizer.email if organizer else email_normalize(self.user_id.email or "")
        )
        emails = []
        for partner in self.partner_ids:
            user = partner.user_ids[:1]
            email = (
                mailbox_by_user[user.id].email
                if user.id in mailbox_by_user
                else (partner.email_normalized)
            )
            if email and email not in emails:
                emails.append(email)
        return {
            "name": self.name,
            "start": self.start,
            "stop": self.stop,
            "allday": self.allday,
            "start_date": self.start_date,
            "stop_date": self.stop_date,
            "location": self.location or "",
            "description": self.description or "",
            "attendee_emails": emails,
            "organizer_email": organizer_email,
            "privacy": self.privacy or "public",
            "show_as": self.show_as,
            "tz": self.event_tz or self.user_id.tz or mailbox.user_id.tz or "UTC",
        }

    @api.model
    def _exchange_series_payload(self, mailbox, recurrence, mailbox_by_user):
        """The Outlook series master of an Odoo recurrence: its first event,
        with the rule as a Graph ``patternedRecurrence``."""
        first = recurrence.calendar_event_ids.sorted("start")[:1]
        values = first._exchange_payload(mailbox, mailbox_by_user)
        local = mapping.utc_to_local(first.start, values["tz"])
        rule = recurrence.read(
            [
                "rrule_type",
                "interval",
                "end_type",
                "count",
                "until",
                "month_by",
                "day",
                "byday",
                "weekday",
                *mapping.WEEKDAY_FIELDS,
            ]
        )[0]
        values["recurrence"] = mapping.recurrence_to_graph(rule, local.date())
        return values

    @api.model
    def _exchange_remote_update(self, mailbox, backend, box, remote_id, values):
        return backend.update_event(box, remote_id, values)

    @api.model
    def _exchange_remote_delete(self, mailbox, backend, box, remote_id):
        backend.delete_event(box, remote_id)

    @api.model
    def _exchange_push_extra(self, mailbox, backend, box, window, context, stats, now):
        """Series: their changes as a whole, then the new ones (one master each)."""
        if not backend.supports_series:
            return
        mailbox_by_user = context["mailbox_by_user"]
        self._exchange_push_series_changes(
            mailbox, backend, box, mailbox_by_user, stats, now
        )
        mailbox._push_new_items(
            self._exchange_recurrences_to_create(mailbox, window, mailbox_by_user),
            RECURRENCE,
            lambda recurrence, key: backend.create_event(
                box,
                self._exchange_series_payload(mailbox, recurrence, mailbox_by_user),
                key,
            ),
            mailbox._push_batch_size(),
            stats,
            now,
        )

    @api.model
    def _exchange_push_series_changes(
        self, mailbox, backend, box, mailbox_by_user, stats, now
    ):
        """Series changed in Odoo as a whole ("all events": a new rule, time or
        subject): the master is updated and Outlook remakes the occurrences,
        which the next run links again. Only the organizer's mailbox sends it."""
        Recurrence = mailbox.env[RECURRENCE].with_context(**SYNC_CONTEXT)
        for batch in mailbox._in_batches(
            mailbox._links(RECURRENCE, [("need_push", "=", True)])
        ):
            with self.env.cr.savepoint():
                for link in batch:
                    recurrence = Recurrence.browse(link.res_id).exists()
                    first = recurrence.calendar_event_ids.sorted("start")[:1]
                    if not first or mailbox_by_user.get(first.user_id.id) != mailbox:
                        link.need_push = False
                        continue
                    result = backend.update_event(
                        box,
                        link.remote_id,
                        self._exchange_series_payload(
                            mailbox, recurrence, mailbox_by_user
                        ),
                    )
                    link.write(mailbox._link_vals(result, now, need_push=False))
                    stats["pushed"] += 1
            mailbox._commit_batch()

    @api.model
    def _exchange_recurrences_to_create(self, mailbox, window, mailbox_by_user):
        """Odoo recurrences organised by the mailbox's user, with an occurrence
        in the window, in no Outlook calendar yet."""
        Event = mailbox.env[self._name].with_context(**SYNC_CONTEXT)
        events = Event.search(
            [
                ("stop", ">=", window[0]),
                ("start", "<=", window[1]),
                ("recurrence_id", "!=", False),
                ("user_id", "=", mailbox.user_id.id),
            ]
        )
        recurrences = events.recurrence_id
        if not recurrences or mailbox_by_user.get(mailbox.user_id.id) != mailbox:
            return recurrences.browse()
        linked = set(
            self.env["exchange.item.link"]
            .search([("res_model", "=", RECURRENCE), ("res_id", "in", recurrences.ids)])
            .mapped("res_id")
        )
        return recurrences.filtered(lambda r: r.id not in linked).sorted("id")

    @api.model
    def _exchange_records_to_create(self, mailbox, window, context):
        """Odoo events of the mailbox's user, in the window, in no Outlook
        calendar yet, whose home mailbox (the organizer's, else the first
        attendee's) is this one."""
        mailbox_by_user = context["mailbox_by_user"]
        Event = mailbox.env[self._name].with_context(**SYNC_CONTEXT)
        domain = [
            ("stop", ">=", window[0]),
            ("start", "<=", window[1]),
            ("recurrency", "=", False),
            "|",
            ("user_id", "=", mailbox.user_id.id),
            ("partner_ids", "in", mailbox.user_id.partner_id.id),
        ]
        if mailbox.is_initial_push_done:
            domain.append(("exchange_need_sync", "=", True))
        events = Event.search(domain, order="start")
        if not events:
            return events
        linked = set(
            self.env["exchange.item.link"]
            .search([("res_model", "=", self._name), ("res_id", "in", events.ids)])
            .mapped("res_id")
        )
        result = Event
        for event in events:
            if event.id in linked:
                continue
            home = mailbox_by_user.get(event.user_id.id)
            if not home:
                attendee_users = event.partner_ids.user_ids.sorted("id")
                home = next(
                    (
                        mailbox_by_user[u.id]
                        for u in attendee_users
                        if u.id in mailbox_by_user
                    ),
                    None,
                )
            if home and home.id == mailbox.id:
                result |= event
        return result

    def _exchange_remote_create(self, mailbox, backend, box, key, context):
        values = self._exchange_payload(mailbox, context["mailbox_by_user"])
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
