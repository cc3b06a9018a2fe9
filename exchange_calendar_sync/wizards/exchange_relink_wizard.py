from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..services import mapping

EVENT = "calendar.event"
ACTIVITY = "mail.activity"
RECURRENCE = "calendar.recurrence"


class ExchangeRelinkWizard(models.TransientModel):
    _name = "exchange.relink.wizard"
    _description = "Re-link Outlook items after a mailbox migration"

    mailbox_id = fields.Many2one(
        "exchange.sync.mailbox", required=True, ondelete="cascade"
    )
    state = fields.Selection(
        [("draft", "Start"), ("review", "Review"), ("done", "Done")], default="draft"
    )
    line_ids = fields.One2many("exchange.relink.wizard.line", "wizard_id")
    relinked_count = fields.Integer(compute="_compute_counts")
    ambiguous_count = fields.Integer(compute="_compute_counts")
    unmatched_remote_count = fields.Integer(
        "Only in Outlook", compute="_compute_counts"
    )
    unmatched_odoo_count = fields.Integer("Only in Odoo", compute="_compute_counts")
    push_unmatched = fields.Boolean(
        "Send Odoo-only items to Outlook",
        help="Items found only in Odoo are created in the mailbox on the next sync. "
        "Leave off if they were deleted in Outlook before the migration.",
    )

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.relinked_count = statuses.count("match")
            wizard.ambiguous_count = statuses.count("ambiguous")
            wizard.unmatched_remote_count = statuses.count("remote_only")
            wizard.unmatched_odoo_count = statuses.count("odoo_only")

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # -- analysis --------------------------------------------------------------
    def _odoo_events(self, window):
        user = self.mailbox_id.user_id
        return self.env[EVENT].search(
            [
                ("stop", ">=", window[0]),
                ("start", "<=", window[1]),
                "|",
                ("user_id", "=", user.id),
                ("partner_ids", "in", user.partner_id.id),
            ]
        )

    def _event_key(self, event):
        return mapping.event_match_key(
            {
                "name": event.name,
                "start": event.start,
                "stop": event.stop,
                "allday": event.allday,
                "start_date": event.start_date,
                "stop_date": event.stop_date,
            }
        )

    def action_analyse(self):
        self.ensure_one()
        self.env["exchange.sync.mailbox"]._check_administrator()
        mailbox = self.mailbox_id
        config = mailbox.config_id
        backend = config._make_backend()
        window = config._window()
        box = mailbox._box()
        box.todo_list_id = None  # the To Do list id changed with the migration too
        lines = []
        # events: iCalUId first, then subject + start + end
        remote_events = [
            e for e in backend.window_events(box, window) if not e["removed"]
        ]
        events = self._odoo_events(window)
        uid_links = self.env["exchange.item.link"].search(
            [
                ("res_model", "=", EVENT),
                ("res_id", "in", events.ids),
                ("ical_uid", "!=", False),
            ]
        )
        by_uid = defaultdict(set)
        for link in uid_links:
            by_uid[link.ical_uid].add(link.res_id)
        starts = {event.id: event.start for event in events}
        by_key = defaultdict(list)
        for event in events:
            by_key[self._event_key(event)].append(event.id)
        matched, candidates = set(), set()
        series, series_lines = self._match_series(backend, box, remote_events)
        lines += series_lines
        for item in remote_events:
            ids = self._series_occurrence(item, series, starts, matched)
            if ids is None:
                ids = [
                    i
                    for i in by_uid.get(item.get("ical_uid"), ())
                    if i not in matched
                    # occurrences of a series share the iCalUId: same start too
                    and (not item.get("series") or starts.get(i) == item.get("start"))
                ]
            if len(ids) != 1:
                ids = [
                    i
                    for i in by_key.get(mapping.event_match_key(item), [])
                    if i not in matched
                ]
            vals = self._line_vals(EVENT, item, ids, item.get("start"))
            if len(ids) == 1 and starts.get(ids[0]) != item.get("start"):
                # an occurrence moved in Outlook: the next sync brings the move
                vals["change_key"] = False
            lines.append(vals)
            matched.update(ids if len(ids) == 1 else ())
            candidates.update(ids)
        for event in events.filtered(lambda e: e.id not in candidates):
            lines.append(
                {
                    "res_model": EVENT,
                    "status": "odoo_only",
                    "name": event.name,
                    "when": event.start,
                    "event_id": event.id,
                }
            )
        # tasks: subject + due date
        if config.sync_tasks:
            remote_tasks = [t for t in backend.window_tasks(box) if not t["removed"]]
            activities = self.env[ACTIVITY].search(
                [("user_id", "=", mailbox.user_id.id)]
            )
            by_task_key = defaultdict(list)
            for activity in activities:
                by_task_key[
                    mapping.task_match_key(
                        {
                            "summary": activity.summary
                            or activity.activity_type_id.name,
                            "deadline": activity.date_deadline,
                        }
                    )
                ].append(activity.id)
            matched_tasks, task_candidates = set(), set()
            for item in remote_tasks:
                if item["done"]:
                    continue
                ids = [
                    i
                    for i in by_task_key.get(mapping.task_match_key(item), [])
                    if i not in matched_tasks
                ]
                deadline = item.get("deadline")
                lines.append(
                    self._line_vals(
                        ACTIVITY,
                        item,
                        ids,
                        deadline and fields.Datetime.to_datetime(deadline),
                    )
                )
                matched_tasks.update(ids if len(ids) == 1 else ())
                task_candidates.update(ids)
            for activity in activities.filtered(lambda a: a.id not in task_candidates):
                lines.append(
                    {
                        "res_model": ACTIVITY,
                        "status": "odoo_only",
                        "name": activity.summary or activity.activity_type_id.name,
                        "when": fields.Datetime.to_datetime(activity.date_deadline),
                        "activity_id": activity.id,
                    }
                )
        self.line_ids = [Command.clear()] + [Command.create(vals) for vals in lines]
        self.state = "review"
        return self._reopen()

    def _match_series(self, backend, box, remote_events):
        """Series masters of the remote occurrences, matched by iCalUId / UID
        to the recurrences this mailbox had linked before the migration.

        Returns ``({master id: recurrence}, line values)``; a master whose
        series is not known in Odoo gets an "only in Outlook" line (the next
        sync makes it a recurrence).
        """
        master_ids = sorted(
            {i["series_master_id"] for i in remote_events if i.get("series_master_id")}
        )
        if not master_ids:
            return {}, []
        old_links = self.env["exchange.item.link"].search(
            [
                ("mailbox_id", "=", self.mailbox_id.id),
                ("res_model", "=", RECURRENCE),
                ("ical_uid", "!=", False),
            ]
        )
        by_uid = defaultdict(list)
        for link in old_links:
            recurrence = self.env[RECURRENCE].browse(link.res_id).exists()
            if recurrence:
                by_uid[link.ical_uid].append(recurrence)
        series, lines = {}, []
        for master_id in master_ids:
            master = backend.get_series_master(box, master_id)
            if not master:
                continue
            recurrences = by_uid.get(master.get("ical_uid")) or []
            vals = self._line_vals(
                RECURRENCE, master, [r.id for r in recurrences], master.get("start")
            )
            if len(recurrences) == 1:
                series[master_id] = recurrences[0]
            lines.append(vals)
        return series, lines

    @staticmethod
    def _series_occurrence(item, series, starts, matched):
        """Ids of the occurrence of a re-linked series at this item's original
        start (else its start), None if the item is not of such a series."""
        recurrence = series.get(item.get("series_master_id"))
        if not recurrence:
            return None
        wanted = {item.get("original_start"), item.get("start")} - {None}
        return [
            event.id
            for event in recurrence.calendar_event_ids
            if event.id not in matched
            and (event.start in wanted or starts.get(event.id) in wanted)
        ][:1]

    def _line_vals(self, model, item, ids, when):
        vals = {
            "res_model": model,
            "name": item.get("name") or item.get("summary") or "",
            "when": when,
            "remote_id": item["remote_id"],
            "ical_uid": item.get("ical_uid"),
            "change_key": item.get("change_key"),
            "remote_last_modified": item.get("last_modified"),
        }
        field, candidates = {
            EVENT: ("event_id", "candidate_event_ids"),
            ACTIVITY: ("activity_id", "candidate_activity_ids"),
            RECURRENCE: ("recurrence_id", "candidate_recurrence_ids"),
        }[model]
        if len(ids) == 1:
            vals.update(status="match", **{field: ids[0]})
        elif ids:
            vals.update(status="ambiguous", **{candidates: [Command.set(ids)]})
        else:
            vals["status"] = "remote_only"
        return vals

    # -- apply -----------------------------------------------------------------
    def action_relink(self):
        self.ensure_one()
        self.env["exchange.sync.mailbox"]._check_administrator()
        if self.state != "review":
            raise UserError(self.env._("Analyse the mailbox first."))
        mailbox = self.mailbox_id
        Link = self.env["exchange.item.link"]
        now = fields.Datetime.now()
        count = 0
        kept = Link
        for line in self.line_ids.filtered(lambda ln: ln.remote_id):
            record_id = {
                EVENT: line.event_id.id,
                ACTIVITY: line.activity_id.id,
                RECURRENCE: line.recurrence_id.id,
            }[line.res_model]
            if not record_id:
                continue
            vals = {
                "remote_id": line.remote_id,
                "ical_uid": line.ical_uid or False,
                "change_key": line.change_key,
                "remote_last_modified": line.remote_last_modified,
                "last_synced": now,
                "need_push": False,
                "pending_action": False,
            }
            # free the remote id if a stale link of another record holds it
            Link.search(
                [
                    ("mailbox_id", "=", mailbox.id),
                    ("res_model", "=", line.res_model),
                    ("remote_id", "=", line.remote_id),
                    ("res_id", "!=", record_id),
                ]
            ).unlink()
            link = Link.search(
                [
                    ("mailbox_id", "=", mailbox.id),
                    ("res_model", "=", line.res_model),
                    ("res_id", "=", record_id),
                ]
            )
            if link:
                link.write(vals)
            else:
                link = Link.create(
                    dict(
                        vals,
                        mailbox_id=mailbox.id,
                        res_model=line.res_model,
                        res_id=record_id,
                        # a series is this mailbox's when it came from it
                        is_origin=line.res_model == RECURRENCE,
                    )
                )
            kept |= link
            count += 1
            if line.status == "ambiguous":
                line.status = "match"
        # links to item ids the migrated mailbox no longer has
        (mailbox.link_ids - kept).filtered(
            lambda link: not link.pending_action
        ).unlink()
        odoo_only = self.line_ids.filtered(lambda ln: ln.status == "odoo_only")
        odoo_only.event_id.with_context(exchange_sync_skip=True).write(
            {"exchange_need_sync": self.push_unmatched}
        )
        odoo_only.activity_id.with_context(exchange_sync_skip=True).write(
            {"exchange_need_sync": self.push_unmatched}
        )
        mailbox.write(
            {
                "event_sync_state": False,
                "task_sync_state": False,
                "todo_list_id": False,
                "is_initial_push_done": True,
            }
        )
        mailbox.message_post(
            body=self.env._(
                "Re-linked after migration: %(relinked)s items re-linked, "
                "%(ambiguous)s "
                "ambiguous, %(remote)s only in Outlook, %(odoo)s only in Odoo.",
                relinked=count,
                ambiguous=self.ambiguous_count,
                remote=self.unmatched_remote_count,
                odoo=self.unmatched_odoo_count,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self.state = "done"
        return self._reopen()


class ExchangeRelinkWizardLine(models.TransientModel):
    _name = "exchange.relink.wizard.line"
    _description = "Re-link wizard line"
    _order = "status, when"

    wizard_id = fields.Many2one(
        "exchange.relink.wizard", required=True, ondelete="cascade"
    )
    res_model = fields.Selection(
        [
            ("calendar.event", "Event"),
            ("calendar.recurrence", "Recurring series"),
            ("mail.activity", "Task"),
        ],
        "Type",
        required=True,
    )
    status = fields.Selection(
        [
            ("match", "Re-linked"),
            ("ambiguous", "Ambiguous - pick one"),
            ("remote_only", "Only in Outlook"),
            ("odoo_only", "Only in Odoo"),
        ],
        required=True,
    )
    name = fields.Char("Subject")
    when = fields.Datetime("Start / due")
    remote_id = fields.Char()
    ical_uid = fields.Char()
    change_key = fields.Char()
    remote_last_modified = fields.Datetime()
    event_id = fields.Many2one(
        "calendar.event", "Odoo event", domain="[('id', 'in', candidate_event_ids)]"
    )
    activity_id = fields.Many2one(
        "mail.activity",
        "Odoo activity",
        domain="[('id', 'in', candidate_activity_ids)]",
    )
    recurrence_id = fields.Many2one(
        "calendar.recurrence",
        "Odoo series",
        domain="[('id', 'in', candidate_recurrence_ids)]",
    )
    candidate_event_ids = fields.Many2many("calendar.event")
    candidate_recurrence_ids = fields.Many2many("calendar.recurrence")
    candidate_activity_ids = fields.Many2many("mail.activity")
