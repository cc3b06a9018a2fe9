import logging

from odoo import Command, api, fields, models
from odoo.tools import email_normalize

from ..services import conflict
from .calendar_event import RECURRENCE
from .exchange_sync_mailbox import SYNC_CONTEXT

_logger = logging.getLogger(__name__)

EVENT = "calendar.event"


class CalendarEvent(models.Model):
    """Outlook → Odoo side of calendar events: the rolling window, series
    masters and occurrences, and matching copies of one meeting across
    mailboxes. Called by the ``exchange.sync.mixin`` hooks of
    ``calendar_event.py`` on the model, with the mailbox as first argument."""

    _inherit = "calendar.event"

    # -- events: Outlook → Odoo ----------------------------------------------
    @api.model
    def _exchange_move_window(self, mailbox, backend, box, window, stats):
        """Follow the rolling window [today - days back, today + days ahead].

        Events that enter it arrive; events that leave it are left alone on
        both sides. A Graph delta link is bound to the range it started with, so
        a moved window starts a new delta round; an EWS sync state covers the
        whole folder, so only the days that entered the window are fetched.
        """
        old = (mailbox.event_window_start, mailbox.event_window_end)
        if old == tuple(window):
            return
        new_window = {"event_window_start": window[0], "event_window_end": window[1]}
        if not mailbox.event_sync_state and not mailbox.is_event_full_sync:
            mailbox.write(new_window)  # the first round covers the window anyway
        elif backend.state_follows_window:
            for span in _entered_spans(old, window):
                with mailbox.env.cr.savepoint():
                    items = backend.window_events(box, span)
                    self._exchange_apply_event_page(mailbox, items, stats, backend, box)
                mailbox._commit_batch()
            mailbox.write(new_window)
        else:
            _logger.info("Sync window of %s moved: new delta round", mailbox.email)
            mailbox.write(
                dict(
                    new_window,
                    event_sync_state=False,
                    is_event_full_sync=True,
                    event_full_sync_run=mailbox.event_full_sync_run + 1,
                )
            )
        mailbox._commit_batch()

    @api.model
    def _exchange_partners_for_emails(self, mailbox, emails):
        """Partners by normalised e-mail; unknown addresses become contacts."""
        emails = {e for e in emails if e}
        Partner = mailbox.env["res.partner"].with_context(**SYNC_CONTEXT)
        partners = Partner.search(
            [("email_normalized", "in", list(emails))], order="id"
        )
        by_email = {}
        for partner in partners:
            by_email.setdefault(partner.email_normalized, partner)
        missing = sorted(emails - set(by_email))
        if missing:
            created = Partner.create([{"name": e, "email": e} for e in missing])
            by_email.update(zip(missing, created, strict=True))
        return by_email

    @api.model
    def _exchange_users_for_emails(self, mailbox, emails):
        mailboxes = mailbox.search(
            [("email", "in", list(emails)), ("config_id", "=", mailbox.config_id.id)]
        )
        users = {m.email: m.user_id for m in mailboxes}
        for user in mailbox.env["res.users"].search(
            [("email_normalized", "in", list(emails)), ("share", "=", False)]
        ):
            users.setdefault(user.email_normalized, user)
        return users

    @api.model
    def _exchange_event_vals(self, mailbox, item, partners, users):
        partner_ids = [partners[e].id for e in item["attendee_emails"] if e in partners]
        own = mailbox.user_id.partner_id.id
        if own not in partner_ids:
            partner_ids.append(own)
        organizer = (
            users.get(item["organizer_email"])
            if item["organizer_email"]
            else mailbox.user_id
        )
        return {
            "name": item["name"] or mailbox.env._("(No title)"),
            "description": item["description"] or False,
            "location": item["location"],
            "privacy": item["privacy"],
            "show_as": item["show_as"],
            "allday": item["allday"],
            "start": item["start"],
            "stop": item["stop"],
            "partner_ids": [Command.set(partner_ids)],
            "user_id": organizer.id if organizer else False,
        }

    @api.model
    def _exchange_apply_event_page(self, mailbox, items, stats, backend=None, box=None):
        Event = mailbox.env[EVENT].with_context(**SYNC_CONTEXT, active_test=False)
        Link = mailbox.env["exchange.item.link"]
        run = mailbox.event_full_sync_run if mailbox.is_event_full_sync else 0
        now = fields.Datetime.now()
        items = [i for i in items if i.get("remote_id")]
        items = self._exchange_apply_series_masters(
            mailbox, items, stats, backend, box, now
        )
        by_remote = {
            link.remote_id: link
            for link in mailbox._links(
                EVENT, [("remote_id", "in", [i["remote_id"] for i in items])]
            )
        }
        items = self._exchange_apply_series_instances(
            mailbox, items, by_remote, stats, backend, box, run, now
        )
        uids = [i["ical_uid"] for i in items if i.get("ical_uid")]
        by_uid = {}
        for link in Link.search(
            [
                ("res_model", "=", EVENT),
                ("ical_uid", "in", uids),
                ("mailbox_id", "!=", mailbox.id),
                ("pending_action", "=", False),
            ]
        ):
            by_uid.setdefault(link.ical_uid, []).append(link.res_id)
        # records already linked in this mailbox can't take a second item
        linked_here = set(mailbox._links(EVENT).mapped("res_id"))
        live = [i for i in items if not i["removed"]]
        emails = {e for i in live for e in i["attendee_emails"]}
        users = self._exchange_users_for_emails(mailbox, emails)
        # colleagues are their own partner, whatever address their mailbox has
        partners = {email: user.partner_id for email, user in users.items()}
        partners.update(
            self._exchange_partners_for_emails(mailbox, emails - set(users))
        )
        to_create, seen = [], set()
        for item in items:
            if item["remote_id"] in seen:
                continue
            seen.add(item["remote_id"])
            link = by_remote.get(item["remote_id"])
            if item["removed"]:
                if link:
                    self._exchange_remote_event_removed(mailbox, link)
                    stats["pulled"] += 1
                continue
            if (item.get("series") and not item.get("start")) or (
                item.get("left_window") and not link
            ):
                continue  # no occurrence to show, or outside the window: not taken in
            if link:
                link.seen_run = run or link.seen_run
                self._exchange_apply_linked_event(
                    mailbox, link, item, partners, users, now, stats
                )
                continue
            # not linked in this mailbox yet: one of ours (crash), a meeting
            # already known through another attendee, or a new event
            record = Event
            key = mailbox._verified_key(item.get("transaction_id"))
            if key and key[0] == EVENT:
                record = Event.browse(key[1]).exists()
            from_key = bool(record)  # a key this mailbox signed for a live record
            if not record and item.get("ical_uid") in by_uid:
                record = self._exchange_meeting_match(
                    mailbox, Event, item, by_uid[item["ical_uid"]]
                )
            if not record and item.get("organizer_email") not in (None, mailbox.email):
                # a colleague's meeting whose copy carries no usable iCalUId
                record = self._exchange_same_meeting(mailbox, Event, item, linked_here)
            if (
                record
                and not from_key
                and not self._exchange_is_invited(mailbox, record)
            ):
                # an iCalUId or subject and time alone never joins a meeting
                # the user is not invited to in Odoo
                record = Event
            if record and record.id in linked_here:
                record = Event  # e.g. another occurrence of the same series
            if record:
                linked_here.add(record.id)
                self._exchange_link_known_event(
                    mailbox, record, item, from_key, run, now
                )
                stats["pulled"] += 1
                continue
            to_create.append(item)
        if to_create:
            events = Event.create(
                [
                    self._exchange_event_vals(mailbox, i, partners, users)
                    for i in to_create
                ]
            )
            Link.create(
                [
                    mailbox._new_link_vals(
                        item, now, EVENT, event.id, seen_run=run, is_origin=True
                    )
                    for item, event in zip(to_create, events, strict=True)
                ]
            )
            stats["pulled"] += len(to_create)

    @api.model
    def _exchange_link_known_event(self, mailbox, record, item, from_key, run, now):
        """Link an Outlook item to the Odoo event it is a copy of."""
        if from_key and record.exchange_need_sync:
            record.write({"exchange_need_sync": False})  # ours, before a crash
        mailbox.env["exchange.item.link"].create(
            mailbox._new_link_vals(
                item, now, EVENT, record.id, seen_run=run, is_origin=from_key
            )
        )
        if mailbox.user_id.partner_id not in record.partner_ids:
            record.write({"partner_ids": [Command.link(mailbox.user_id.partner_id.id)]})

    # -- recurring series: Outlook → Odoo -----------------------------------
    @api.model
    def _exchange_apply_series_masters(self, mailbox, items, stats, backend, box, now):
        """Series masters listed by the backend (EWS reports a series by its
        master) and removed masters: a new master becomes a recurrence, a
        changed one brings its new rule and its deleted occurrences, a deleted
        one removes the series. Returns the other ``items``.
        """
        ids = [
            i["remote_id"]
            for i in items
            if i.get("series_type") == "seriesMaster" or i["removed"]
        ]
        links = {
            link.remote_id: link
            for link in (
                mailbox._links(RECURRENCE, [("remote_id", "in", ids)])
                if ids
                else mailbox.env["exchange.item.link"]
            )
        }
        handled = set()
        for item in items:
            link = links.get(item["remote_id"])
            if item.get("series_type") != "seriesMaster" and not link:
                continue
            handled.add(item["remote_id"])
            if item["removed"]:
                if link:
                    self._exchange_remote_series_removed(mailbox, link)
                    stats["pulled"] += 1
                continue
            if not link:
                if not item.get("left_window"):
                    self._exchange_series_recurrences(
                        mailbox,
                        {item["remote_id"]},
                        backend,
                        box,
                        now,
                        masters={item["remote_id"]: item},
                    )
                    stats["pulled"] += 1
                continue
            self._exchange_apply_changed_master(mailbox, link, item, stats, now)
        self._exchange_reread_series_masters(
            mailbox, items, handled, stats, backend, box, now
        )
        return [i for i in items if i["remote_id"] not in handled]

    @api.model
    def _exchange_reread_series_masters(
        self, mailbox, items, handled, stats, backend, box, now
    ):
        """Graph lists a series by its occurrences only: when occurrences of a
        linked series arrive that Odoo does not have, or linked ones are
        removed, the rule may have changed in Outlook. The master is read once
        then, and a new rule is followed before the occurrences are applied."""
        if not backend:
            return
        Link = mailbox.env["exchange.item.link"]
        instances = [i for i in items if i.get("series_master_id") and not i["removed"]]
        known = set(
            mailbox._links(
                EVENT, [("remote_id", "in", [i["remote_id"] for i in instances])]
            ).mapped("remote_id")
        )
        unknown = [i for i in instances if i["remote_id"] not in known]
        to_read = (
            mailbox._links(
                RECURRENCE,
                [("remote_id", "in", list({i["series_master_id"] for i in unknown}))],
            )
            if unknown
            else Link
        )
        for link in to_read:
            events = mailbox.env[RECURRENCE].browse(link.res_id).calendar_event_ids
            days = {e.start.date() for e in events.exists()}
            if all(
                (i.get("original_start") or i["start"]).date() in days
                for i in unknown
                if i["series_master_id"] == link.remote_id
            ):
                to_read -= link  # Odoo has these occurrences: the same rule
        removed = [i["remote_id"] for i in items if i["removed"]]
        if removed:
            event_ids = mailbox._links(EVENT, [("remote_id", "in", removed)]).mapped(
                "res_id"
            )
            recurrences = mailbox.env[EVENT].browse(event_ids).exists().recurrence_id
            if recurrences:
                to_read |= mailbox._links(
                    RECURRENCE, [("res_id", "in", recurrences.ids)]
                )
        for link in to_read:
            if link.remote_id in handled:
                continue
            master = backend.get_series_master(box, link.remote_id)
            if master:
                self._exchange_apply_changed_master(mailbox, link, master, stats, now)

    @api.model
    def _exchange_apply_changed_master(self, mailbox, link, master, stats, now):
        """A linked series master changed in Outlook: its rule and its deleted
        occurrences are followed (unless Odoo's own change is sent next)."""
        if link.change_key == master["change_key"] or link.need_push:
            return
        recurrence = mailbox.env[RECURRENCE].with_context(**SYNC_CONTEXT)
        recurrence = recurrence.browse(link.res_id).exists()
        if not recurrence:
            link.unlink()
            return
        self._exchange_apply_series_rule(mailbox, recurrence, master)
        self._exchange_apply_deleted_occurrences(
            mailbox, recurrence, master.get("deleted_starts")
        )
        link.write(mailbox._link_vals(master, now, need_push=False))
        stats["pulled"] += 1

    @api.model
    def _exchange_apply_series_rule(self, mailbox, recurrence, master):
        """Follow a rule changed in Outlook: Odoo's recurrence keeps the
        occurrences the new rule still has (and their links), makes the new
        ones, and drops those the rule no longer has (Outlook did the same)."""
        rule = master.get("recurrence")
        if not rule:
            return False
        current = recurrence.read(list(rule))[0]
        current.pop("id", None)
        probe = recurrence.new(dict(current, **rule))
        if probe._rrule_serialize() == recurrence._rrule_serialize():
            return False
        recurrence.write(rule)
        detached = recurrence._apply_recurrence()
        self._exchange_drop_occurrences(mailbox, detached)
        mailbox._note(
            recurrence.base_event_id,
            mailbox.env._(
                "The series' rule was changed in Outlook (%(mailbox)s): its "
                "occurrences follow the new rule.",
                mailbox=mailbox.email,
            ),
        )
        return True

    @api.model
    def _exchange_drop_occurrences(self, mailbox, events):
        """Remove occurrences Outlook no longer has, with their links (nothing
        is sent back: Outlook removed them itself)."""
        events = events.exists()
        if not events:
            return
        mailbox.env["exchange.item.link"].search(
            [("res_model", "=", EVENT), ("res_id", "in", events.ids)]
        ).unlink()
        events.with_context(**SYNC_CONTEXT).unlink()

    @api.model
    def _exchange_apply_deleted_occurrences(self, mailbox, recurrence, starts):
        """Occurrences deleted in Outlook (DeletedOccurrences of the master)."""
        starts = set(starts or [])
        if not starts:
            return
        for event in recurrence.calendar_event_ids.filtered(
            lambda e: e.start in starts
        ):
            link = mailbox._links(EVENT, [("res_id", "=", event.id)])
            if link:
                self._exchange_remote_event_removed(mailbox, link)
            else:
                event.with_context(**SYNC_CONTEXT).unlink()

    @api.model
    def _exchange_remote_series_removed(self, mailbox, link):
        """A series master deleted in Outlook: its occurrences go as each
        occurrence's deletion would (an attendee only leaves them)."""
        recurrence = mailbox.env[RECURRENCE].browse(link.res_id).exists()
        if recurrence:
            events = recurrence.calendar_event_ids
            for event_link in mailbox._links(EVENT, [("res_id", "in", events.ids)]):
                self._exchange_remote_event_removed(mailbox, event_link)
            rest = events.exists()
            if link.is_origin or rest.user_id == mailbox.user_id:
                rest.with_context(**SYNC_CONTEXT).unlink()
        link.unlink()

    @api.model
    def _exchange_apply_series_instances(
        self, mailbox, items, by_remote, stats, backend, box, run, now
    ):
        """Link occurrences of Outlook series to the occurrences of the Odoo
        recurrence of their master, creating that recurrence from the master
        (also when the series started before the window).

        Returns the other ``items``: single events and linked occurrences.
        """
        instances = [
            i
            for i in items
            if i.get("series_master_id")
            and not i["removed"]
            and not i.get("left_window")  # outside the window: not taken in
            and i["remote_id"] not in by_remote
        ]
        if not instances:
            return items
        handled = self._exchange_link_series_instances(
            mailbox, instances, stats, backend, box, run, now
        )
        return [i for i in items if i["remote_id"] not in handled]

    @api.model
    def _exchange_link_series_instances(
        self, mailbox, items, stats, backend, box, run, now
    ):
        Link = mailbox.env["exchange.item.link"]
        recurrences = self._exchange_series_recurrences(
            mailbox, {i["series_master_id"] for i in items}, backend, box, now
        )
        linked_here = set(mailbox._links(EVENT).mapped("res_id"))
        emails = {e for i in items for e in i["attendee_emails"]}
        users = self._exchange_users_for_emails(mailbox, emails)
        partners = {email: user.partner_id for email, user in users.items()}
        partners.update(
            self._exchange_partners_for_emails(mailbox, emails - set(users))
        )
        handled = set()
        for item in items:
            recurrence = recurrences.get(item["series_master_id"])
            if not recurrence:
                continue  # no master to read: taken in as a single event
            original = item.get("original_start") or item["start"]
            free = recurrence.calendar_event_ids.filtered(
                lambda e: e.id not in linked_here
            )
            # the same start, else the same day (a zone's offset may differ)
            starts, day = {original, item["start"]}, original.date()
            event = free.filtered(lambda e, starts=starts: e.start in starts)[:1]
            event = event or free.filtered(lambda e, day=day: e.start.date() == day)[:1]
            vals = self._exchange_event_vals(mailbox, item, partners, users)
            if event:
                if item.get("series_type") == "exception":
                    event.write(vals)  # moved or changed in Outlook: this one only
                event.write({"exchange_need_sync": False})
            else:
                event = event.create(dict(vals, recurrence_id=recurrence.id))
            linked_here.add(event.id)
            Link.create(
                mailbox._new_link_vals(
                    item, now, EVENT, event.id, seen_run=run, is_origin=True
                )
            )
            stats["pulled"] += 1
            handled.add(item["remote_id"])
        return handled

    @api.model
    def _exchange_series_recurrences(
        self, mailbox, master_ids, backend, box, now, masters=None
    ):
        """``{master remote id: calendar.recurrence}``; unknown masters are read
        once (unless given in ``masters``) and become a recurrence (or find the
        one this mailbox created)."""
        Recurrence = mailbox.env[RECURRENCE].with_context(**SYNC_CONTEXT)
        Event = mailbox.env[EVENT].with_context(**SYNC_CONTEXT)
        links = mailbox._links(RECURRENCE, [("remote_id", "in", list(master_ids))])
        result = {
            link.remote_id: Recurrence.browse(link.res_id).exists() for link in links
        }
        for master_id in sorted(set(master_ids) - set(result)):
            master = (masters or {}).get(master_id)
            if not master and backend:
                master = backend.get_series_master(box, master_id)
            if not master or not master.get("recurrence"):
                continue
            recurrence = Recurrence
            key = mailbox._verified_key(master.get("transaction_id"))
            if key and key[0] == RECURRENCE:
                recurrence = Recurrence.browse(key[1]).exists()  # ours, after a crash
            if not recurrence:
                emails = set(master["attendee_emails"])
                users = self._exchange_users_for_emails(mailbox, emails)
                partners = {email: user.partner_id for email, user in users.items()}
                partners.update(
                    self._exchange_partners_for_emails(mailbox, emails - set(users))
                )
                base = Event.create(
                    dict(
                        self._exchange_event_vals(mailbox, master, partners, users),
                        recurrency=True,
                        event_tz=master.get("series_tz") or "UTC",
                        **master["recurrence"],
                    )
                )
                recurrence = base.recurrence_id
                recurrence.calendar_event_ids.write({"exchange_need_sync": False})
                self._exchange_apply_deleted_occurrences(
                    mailbox, recurrence, master.get("deleted_starts")
                )
            mailbox.env["exchange.item.link"].create(
                mailbox._new_link_vals(
                    master, now, RECURRENCE, recurrence.id, is_origin=True
                )
            )
            result[master_id] = recurrence
        return result

    @api.model
    def _exchange_apply_linked_event(
        self, mailbox, link, item, partners, users, now, stats
    ):
        """A change of an item already linked in this mailbox."""
        if link.pending_action:
            return  # deleted in Odoo: the push removes it from Outlook
        event = (
            mailbox.env[EVENT].with_context(**SYNC_CONTEXT).browse(link.res_id).exists()
        )
        if not event:
            link.pending_action = "delete"
            return
        if link.change_key == item["change_key"]:
            return  # our own write coming back
        if link.need_push:
            stats["conflicts"] += 1
            winner = conflict.resolve(event.write_date, item["last_modified"])
            mailbox._note_conflict(event, winner, item["last_modified"])
            if winner == conflict.ODOO:
                link.write({"remote_last_modified": item["last_modified"]})
                return
        event.write(self._exchange_event_vals(mailbox, item, partners, users))
        link.write(mailbox._link_vals(item, now, need_push=False))
        stats["pulled"] += 1

    @api.model
    def _exchange_meeting_match(self, mailbox, Event, item, res_ids):
        """The Odoo event another attendee's copy of this meeting is linked to.

        Occurrences of a series share one iCalUId, so they must also start at
        the same time to be the same event.
        """
        events = Event.browse(res_ids).exists()
        if item.get("series"):
            events = events.filtered(lambda e: e.start == item.get("start"))
        return events[:1]

    @api.model
    def _exchange_is_invited(self, mailbox, event):
        """Whether this mailbox's user organizes or attends ``event`` in Odoo."""
        if (
            event.user_id == mailbox.user_id
            or mailbox.user_id.partner_id in event.partner_ids
        ):
            return True
        addresses = {mailbox.email, email_normalize(mailbox.user_id.email or "")}
        return bool(addresses & set(event.partner_ids.mapped("email_normalized")))

    @api.model
    def _exchange_same_meeting(self, mailbox, Event, item, linked_here):
        """An event with this subject and time already linked in another mailbox."""
        if not (item.get("start") and item.get("stop")):
            return Event
        candidates = Event.search(
            [
                ("name", "=", item["name"]),
                ("start", "=", item["start"]),
                ("stop", "=", item["stop"]),
                ("id", "not in", list(linked_here)),
            ]
        )
        if not candidates:
            return Event
        elsewhere = mailbox.env["exchange.item.link"].search(
            [
                ("res_model", "=", EVENT),
                ("res_id", "in", candidates.ids),
                ("mailbox_id", "!=", mailbox.id),
                ("pending_action", "=", False),
            ]
        )
        ids = set(elsewhere.mapped("res_id"))
        matches = candidates.filtered(lambda e: e.id in ids)
        return matches if len(matches) == 1 else Event

    @api.model
    def _exchange_remote_event_removed(self, mailbox, link):
        Event = mailbox.env[EVENT].with_context(**SYNC_CONTEXT, active_test=False)
        event = Event.browse(link.res_id).exists()
        if not event:
            link.unlink()
            return
        others = event.exchange_link_ids.filtered(
            lambda other: other != link and not other.pending_action
        )
        if link.is_origin or not others or event.user_id == mailbox.user_id:
            # the organizer's copy is gone: the meeting is cancelled everywhere
            others.write({"pending_action": "delete"})
            link.unlink()
            event.unlink()
        else:
            # an attendee removed the meeting from their calendar only
            link.unlink()
            event.write(
                {"partner_ids": [Command.unlink(mailbox.user_id.partner_id.id)]}
            )


def _entered_spans(old, new):
    """The parts of window ``new`` that window ``old`` did not cover."""
    if not (old[0] and old[1]) or old[1] <= new[0] or new[1] <= old[0]:
        return [new]
    spans = []
    if new[0] < old[0]:
        spans.append((new[0], old[0]))
    if new[1] > old[1]:
        spans.append((old[1], new[1]))
    return spans
