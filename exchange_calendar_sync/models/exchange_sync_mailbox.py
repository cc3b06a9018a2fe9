import hmac
import logging

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, email_normalize
from odoo.tools import hmac as odoo_hmac

from ..services import conflict, mapping
from ..services.backends import MailboxInfo
from ..services.graph_client import SyncStateExpired

_logger = logging.getLogger(__name__)

EVENT = "calendar.event"
ACTIVITY = "mail.activity"
PUSH_BATCH = 20
KEY_SCOPE = "exchange_calendar_sync.item_key"  # HMAC scope of the Odoo keys
LOCK_NAMESPACE = 72640  # first key of this addon's PostgreSQL advisory locks
# context for writes coming from Outlook: no push back, no invitations, no tracking
SYNC_CONTEXT = {
    "exchange_sync_skip": True,
    "no_mail_to_attendees": True,
    "dont_notify": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "mail_activity_quick_update": True,
    "tracking_disable": True,
}
FOLDER_DEFAULTS = {
    "da": ("Kalender", "Opgaver"),
    "nl": ("Agenda", "Taken"),
}


class ExchangeSyncMailbox(models.Model):
    _name = "exchange.sync.mailbox"
    _description = "Exchange Mailbox"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _mail_post_access = "read"
    _order = "config_id, email"
    _rec_name = "email"

    config_id = fields.Many2one(
        "exchange.sync.config",
        "Configuration",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="config_id.company_id", store=True)
    backend = fields.Selection(related="config_id.backend")
    user_id = fields.Many2one(
        "res.users",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("share", "=", False)],
    )
    email = fields.Char(
        "Mailbox",
        required=True,
        help="Primary SMTP address of the user's Exchange / Microsoft 365 mailbox.",
    )
    enabled = fields.Boolean(default=True, tracking=True)
    calendar_folder_name = fields.Char(
        "Calendar folder",
        compute="_compute_folder_names",
        store=True,
        readonly=False,
        help="Localised name of the calendar folder (Calendar, Kalender, Agenda).",
    )
    tasks_folder_name = fields.Char(
        "Tasks folder",
        compute="_compute_folder_names",
        store=True,
        readonly=False,
        help="Localised name of the tasks folder (Tasks, Opgaver, Taken).",
    )
    todo_list_id = fields.Char("To Do list ID", readonly=True, copy=False)
    event_sync_state = fields.Char(
        "Calendar sync state",
        readonly=True,
        copy=False,
        help="Graph delta link or EWS sync state of the calendar; empty means the "
        "next run starts with a full sync.",
    )
    task_sync_state = fields.Char("Tasks sync state", readonly=True, copy=False)
    event_window_start = fields.Datetime(
        "Synced from",
        readonly=True,
        copy=False,
        help="Start of the period the calendar sync state covers; each run moves "
        "it to today minus the days back.",
    )
    event_window_end = fields.Datetime(
        "Synced until",
        readonly=True,
        copy=False,
        help="End of the period the calendar sync state covers; each run moves it "
        "to today plus the days ahead.",
    )
    event_full_sync_run = fields.Integer(readonly=True, copy=False)
    task_full_sync_run = fields.Integer(readonly=True, copy=False)
    is_event_full_sync = fields.Boolean(readonly=True, copy=False)
    is_task_full_sync = fields.Boolean(readonly=True, copy=False)
    is_initial_push_done = fields.Boolean(readonly=True, copy=False)
    sync_status = fields.Selection(
        [("new", "Not synced yet"), ("ok", "Synced"), ("error", "Error")],
        string="Status",
        default="new",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    last_sync = fields.Datetime("Last sync", readonly=True, copy=False)
    last_error = fields.Text("Last error", readonly=True, copy=False)
    last_pulled_count = fields.Integer("Received (last run)", readonly=True, copy=False)
    last_pushed_count = fields.Integer("Sent (last run)", readonly=True, copy=False)
    last_conflict_count = fields.Integer(
        "Conflicts (last run)", readonly=True, copy=False
    )
    link_ids = fields.One2many(
        "exchange.item.link", "mailbox_id", string="Linked items"
    )
    event_link_count = fields.Integer("Linked events", compute="_compute_link_counts")
    task_link_count = fields.Integer("Linked tasks", compute="_compute_link_counts")

    _sql_constraints = [
        (
            "user_uniq",
            "unique(config_id, user_id)",
            "A user has one mailbox per configuration.",
        ),
        ("email_uniq", "unique(config_id, email)", "This mailbox is already listed."),
    ]

    @api.onchange("user_id")
    def _onchange_user_id(self):
        for mailbox in self:
            if mailbox.user_id and not mailbox.email:
                mailbox.email = email_normalize(mailbox.user_id.email or "") or False

    @api.depends("user_id", "config_id")
    def _compute_folder_names(self):
        for mailbox in self:
            if mailbox.calendar_folder_name and mailbox.tasks_folder_name:
                continue
            lang = (mailbox.user_id.lang or "")[:2]
            default = (
                mailbox.config_id.calendar_folder_name or "Calendar",
                mailbox.config_id.tasks_folder_name or "Tasks",
            )
            calendar, tasks = FOLDER_DEFAULTS.get(lang, default)
            mailbox.calendar_folder_name = mailbox.calendar_folder_name or calendar
            mailbox.tasks_folder_name = mailbox.tasks_folder_name or tasks

    def _compute_link_counts(self):
        groups = self.env["exchange.item.link"]._read_group(
            [("mailbox_id", "in", self.ids), ("pending_action", "=", False)],
            ["mailbox_id", "res_model"],
            ["__count"],
        )
        counts = {(mailbox.id, model): count for mailbox, model, count in groups}
        for mailbox in self:
            mailbox.event_link_count = counts.get((mailbox.id, EVENT), 0)
            mailbox.task_link_count = counts.get((mailbox.id, ACTIVITY), 0)

    @api.constrains("email")
    def _check_email(self):
        for mailbox in self:
            if not email_normalize(mailbox.email or ""):
                raise UserError(
                    self.env._(
                        "%(email)s is not a valid mailbox address.", email=mailbox.email
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        users = self.env["res.users"].browse(
            [v["user_id"] for v in vals_list if v.get("user_id") and not v.get("email")]
        )
        emails = {u.id: email_normalize(u.email or "") for u in users}
        for vals in vals_list:
            if not vals.get("email") and vals.get("user_id"):
                vals["email"] = emails.get(vals["user_id"]) or False
            if vals.get("email"):
                vals["email"] = email_normalize(vals["email"]) or vals["email"]
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("email"):
            vals["email"] = email_normalize(vals["email"]) or vals["email"]
        return super().write(vals)

    # -- helpers -------------------------------------------------------------
    def _commit_batch(self):
        """Commit the batch just done (a no-op inside tests, which use savepoints)."""
        if modules.module.current_test or self.env.context.get(
            "exchange_sync_no_commit"
        ):
            return
        self._sync_checkpoint("before_commit")
        self.env.cr.commit()  # pylint: disable=invalid-commit
        self._sync_checkpoint("after_commit")

    def _sync_checkpoint(self, point):
        """Hook called where a crash matters: ``remote_created`` (an Outlook item
        exists, its link is not committed), ``before_commit``, ``after_commit``.

        Does nothing; the crash test overrides it in a separate process to kill
        that process with SIGKILL at a chosen point.
        """

    def _rollback_batch(self):
        """Drop what the failed batch left (its savepoint is already rolled back)."""
        if not (
            modules.module.current_test
            or self.env.context.get("exchange_sync_no_commit")
        ):
            self.env.cr.rollback()  # pylint: disable=invalid-commit
        self.env.invalidate_all()

    def _box(self):
        tz = self.user_id.tz or "UTC"
        return MailboxInfo(
            email=self.email, todo_list_id=self.todo_list_id or None, tz=tz
        )

    def _key_signature(self, res_model, res_id):
        """HMAC (``database.secret``) binding an Odoo record to this mailbox."""
        self.ensure_one()
        return odoo_hmac(
            self.env(su=True), KEY_SCOPE, (self.id, self.email, res_model, res_id)
        )

    def _odoo_key(self, res_model, res_id):
        """The signed key stamped on the Outlook item we create for a record."""
        return mapping.odoo_key(
            self.id, res_model, res_id, self._key_signature(res_model, res_id)
        )

    def _verified_key(self, value):
        """``(res_model, res_id)`` if ``value`` is a key this mailbox signed.

        Users write their own Outlook items, keys included: a key that names
        another mailbox, is unsigned (older versions) or does not verify is
        ignored, so the item is treated as born in Outlook.
        """
        parsed = mapping.parse_odoo_key(value)
        if not parsed or parsed[0] != self.id:
            return None
        _mailbox_id, res_model, res_id, signature = parsed
        if not hmac.compare_digest(signature, self._key_signature(res_model, res_id)):
            return None
        return res_model, res_id

    def _detect_folders(self, backend=None):
        self.ensure_one()
        backend = backend or self.config_id._make_backend()
        names = backend.detect_folders(self._box())
        self.write(
            {
                "calendar_folder_name": names["calendar"],
                "tasks_folder_name": names["tasks"],
                "todo_list_id": names.get("todo_list_id") or self.todo_list_id,
            }
        )
        return names

    def _mailboxes_by_user(self):
        """Enabled mailboxes of enabled configurations, by user id."""
        mailboxes = self.search(
            [("enabled", "=", True), ("config_id.enabled", "=", True)]
        )
        return {m.user_id.id: m for m in mailboxes}

    # -- actions -------------------------------------------------------------
    @api.model
    def _check_administrator(self):
        """Actions that reach Exchange with the service credentials or change the
        sync state are for system administrators (any user can call a public
        method over JSON-RPC)."""
        if not self.env.is_superuser() and not self.env.user.has_group(
            "base.group_system"
        ):
            raise AccessError(
                self.env._(
                    "Only administrators can run, test or reset the Exchange sync."
                )
            )

    def action_sync_now(self):
        self._check_administrator()
        # the sync writes events and activities of many users: run it as the cron does
        self.sudo()._run_sync()
        return True

    def action_reset_sync_state(self):
        """Forget the delta links: the next run compares everything again."""
        self._check_administrator()
        self.write({"event_sync_state": False, "task_sync_state": False})
        return True

    def action_detect_folders(self):
        self._check_administrator()
        for mailbox in self:
            mailbox._detect_folders()
        return True

    def action_open_relink_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Re-link after migration"),
            "res_model": "exchange.relink.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_mailbox_id": self.id},
        }

    def action_open_links(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Linked items"),
            "res_model": "exchange.item.link",
            "view_mode": "list,form",
            "domain": [("mailbox_id", "=", self.id)],
            "context": {"search_default_filter_events": 1},
        }

    def action_open_task_links(self):
        action = self.action_open_links()
        action["context"] = {"search_default_filter_tasks": 1}
        return action

    # -- the sync ------------------------------------------------------------
    def _try_lock(self):
        """Session lock (kept across the batch commits): one run per mailbox."""
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_lock(%s, %s)", LOCK_NAMESPACE, self.id)
        )
        return self.env.cr.fetchone()[0]

    def _unlock(self):
        self.env.cr.execute(
            SQL("SELECT pg_advisory_unlock(%s, %s)", LOCK_NAMESPACE, self.id)
        )

    def _last_syncs(self):
        """Each mailbox's sync marker as committed when this run starts:
        ``last_sync`` and ``write_date`` (the writing transaction's time, to
        the microsecond, so two runs in one second still differ)."""
        if not self:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT id, last_sync, write_date FROM exchange_sync_mailbox"
                " WHERE id IN %s",
                tuple(self.ids),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _synced_since(self, last_seen):
        """Whether another run finished this mailbox since this run started.

        Called with the mailbox's lock held: the transaction is committed first
        (nothing is pending between mailboxes) so that the read sees what a
        concurrent run committed after this run's snapshot was taken. A run
        that synced the mailbox meanwhile wrote its result (a new
        ``last_sync`` and ``write_date``) before it released the lock;
        comparing the marker with the one this run started from tells, where a
        comparison of times of one-second resolution could not.
        """
        if not (
            modules.module.current_test
            or self.env.context.get("exchange_sync_no_commit")
        ):
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.cr.execute(
            SQL(
                "SELECT last_sync, write_date FROM exchange_sync_mailbox WHERE id = %s",
                self.id,
            )
        )
        row = self.env.cr.fetchone()
        return bool(row and tuple(row) != tuple(last_seen or (None, None)))

    def _run_sync(self):
        """Sync each mailbox; one failing mailbox never stops the others.

        Two cron workers may run the sync at once (two jobs, or a manual run
        beside the cron): the session lock keeps them off one mailbox at the same
        moment, and a mailbox the other run finished since this run started is
        skipped, so each mailbox is synced by one run.
        """
        last_seen = self._last_syncs()
        backends = {}
        for mailbox in self:
            config = mailbox.config_id
            if not mailbox._try_lock():
                _logger.info("Exchange sync of %s is already running", mailbox.email)
                continue
            try:
                if mailbox._synced_since(last_seen.get(mailbox.id)):
                    _logger.info(
                        "Exchange sync of %s was just done by another run",
                        mailbox.email,
                    )
                    continue
                if config not in backends:
                    backends[config] = config._make_backend()
                stats = mailbox._sync(backends[config])
                # the result is committed before the lock is released: a run
                # waiting for this mailbox then sees that it was synced
                mailbox.write(
                    {
                        "sync_status": "ok",
                        "last_error": False,
                        "last_sync": fields.Datetime.now(),
                        "last_pulled_count": stats["pulled"],
                        "last_pushed_count": stats["pushed"],
                        "last_conflict_count": stats["conflicts"],
                    }
                )
                mailbox._commit_batch()
            except Exception as exc:  # noqa: BLE001 - any failure is recorded per mailbox
                _logger.warning(
                    "Exchange sync of %s failed", mailbox.email, exc_info=True
                )
                mailbox._rollback_batch()
                mailbox.write(
                    {
                        "sync_status": "error",
                        "last_error": str(exc) or exc.__class__.__name__,
                        "last_sync": fields.Datetime.now(),
                    }
                )
                mailbox._commit_batch()
                continue
            finally:
                mailbox._unlock()
        return True

    def _sync(self, backend):
        """Pull then push calendar events (and tasks) of one mailbox.

        Every page / push batch runs in its own savepoint and is committed
        before the stored sync state moves on, so a run that dies midway is
        resumed by the next one without losing or duplicating anything.
        """
        self.ensure_one()
        stats = {"pulled": 0, "pushed": 0, "conflicts": 0}
        box = self._box()
        if (
            not (self.calendar_folder_name and self.todo_list_id)
            and backend.name == "graph"
        ):
            with self.env.cr.savepoint():
                self._detect_folders(backend)
            box = self._box()
        window = self.config_id._window()
        for model in self._sync_models():
            if not model._exchange_is_synced(self):
                continue
            model._exchange_before_pull(self, backend, box, window, stats)
            self._pull(backend, box, model, window, stats)
            self._push(backend, box, model, window, stats)
        if box.todo_list_id and box.todo_list_id != self.todo_list_id:
            self.todo_list_id = box.todo_list_id
        if not self.is_initial_push_done:
            self.is_initial_push_done = True
        return stats

    def _sync_models(self):
        """The models a run syncs (those with the sync mixin), in their order."""
        names = self.env.registry["exchange.sync.mixin"]._inherit_children
        synced = [self.env[name] for name in names if not self.env[name]._abstract]
        return sorted(synced, key=lambda model: model._exchange_sync_sequence)

    def _pull(self, backend, box, model, window, stats):
        """Read the model's remote changes page by page, each page committed
        before the sync state moves on."""
        state_field = model._exchange_state_field
        full_field = model._exchange_full_field
        run_field = model._exchange_run_field
        if not self[state_field] and not self[full_field]:
            self.write({full_field: True, run_field: self[run_field] + 1})
            self._commit_batch()
        restarted = False
        while True:
            with self.env.cr.savepoint():
                try:
                    page = model._exchange_fetch_page(
                        self, backend, box, self[state_field] or None, window
                    )
                except SyncStateExpired:
                    if restarted or not self[state_field]:
                        raise  # a fresh full sync cannot expire: do not loop
                    restarted = True
                    _logger.info("Delta link of %s expired: full resync", self.email)
                    self.write(
                        {
                            state_field: False,
                            full_field: True,
                            run_field: self[run_field] + 1,
                        }
                    )
                    continue
                model._exchange_apply_page(self, page.items, stats, backend, box)
                vals = {state_field: page.state}
                if page.done and self[full_field]:
                    self._purge_unseen(backend, box, model, window, stats)
                    vals[full_field] = False
                self.write(vals)
            self._commit_batch()
            if page.done:
                return

    def _links(self, model, domain=()):
        return self.env["exchange.item.link"].search(
            [("mailbox_id", "=", self.id), ("res_model", "=", model), *domain]
        )

    def _purge_unseen(self, backend, box, model, window, stats):
        """After a full sync: linked items Outlook no longer has were deleted
        there (the model decides what an unlisted item means)."""
        unseen = self._links(
            model._name,
            [
                ("seen_run", "!=", self[model._exchange_run_field]),
                ("pending_action", "=", False),
            ],
        )
        model._exchange_purge_unseen(self, unseen, backend, box, window, stats)

    def _note(self, record, body):
        if record and hasattr(record, "message_post"):
            record.with_context(mail_notrack=True).message_post(
                body=body, subtype_xmlid="mail.mt_note", message_type="comment"
            )

    @staticmethod
    def _link_vals(item, now, need_push):
        vals = {
            "remote_id": item["remote_id"],
            "change_key": item.get("change_key"),
            "remote_last_modified": item.get("last_modified"),
            "last_synced": now,
            "need_push": need_push,
        }
        if item.get("ical_uid"):
            vals["ical_uid"] = item["ical_uid"]
        return vals

    def _new_link_vals(self, item, now, res_model, res_id, **extra):
        """Values of a new link of this mailbox between ``item`` (as the
        backend read or created it) and the Odoo record."""
        return dict(
            self._link_vals(item, now, need_push=False),
            res_model=res_model,
            res_id=res_id,
            mailbox_id=self.id,
            **extra,
        )

    def _note_conflict(self, record, winner, remote_modified):
        if winner == conflict.ODOO:
            body = self.env._(
                "Changed both in Odoo and in Outlook (%(mailbox)s) since the last "
                "sync. "
                "The Odoo version was changed later and is kept; Outlook will be "
                "updated.",
                mailbox=self.email,
            )
        else:
            body = self.env._(
                "Changed both in Odoo and in Outlook (%(mailbox)s) since the last "
                "sync. "
                "The Outlook version (changed %(when)s UTC) was changed later and is "
                "kept.",
                mailbox=self.email,
                when=fields.Datetime.to_string(remote_modified),
            )
        self._note(record, body)

    # -- Odoo → Outlook ------------------------------------------------------
    def _in_batches(self, records, size=PUSH_BATCH):
        for start in range(0, len(records), size):
            yield records[start : start + size]

    def _push_batch_size(self):
        return PUSH_BATCH  # read at run time: the crash test lowers it

    def _push(self, backend, box, model, window, stats):
        """Send the model's Odoo changes to Outlook: pending deletions (and
        completions) first, then changes, then new records, batch by batch,
        each batch committed before the next."""
        records = model.with_context(**SYNC_CONTEXT, active_test=False)
        context = records._exchange_push_context(self)
        now = fields.Datetime.now()
        batch_size = self._push_batch_size()
        for batch in self._in_batches(
            self._links(model._name, [("pending_action", "!=", False)]), batch_size
        ):
            with self.env.cr.savepoint():
                for link in batch:
                    records._exchange_push_pending(self, backend, box, link)
                    stats["pushed"] += 1
                batch.unlink()
            self._commit_batch()
        for batch in self._in_batches(
            self._links(model._name, [("need_push", "=", True)]), batch_size
        ):
            with self.env.cr.savepoint():
                for link in batch:
                    record = records.browse(link.res_id).exists()
                    values = record._exchange_push_values(self, context)
                    if values is None:
                        records._exchange_remote_delete(
                            self, backend, box, link.remote_id
                        )
                        link.unlink()
                    else:
                        result = records._exchange_remote_update(
                            self, backend, box, link.remote_id, values
                        )
                        link.write(self._link_vals(result, now, need_push=False))
                    stats["pushed"] += 1
            self._commit_batch()
        records._exchange_push_extra(self, backend, box, window, context, stats, now)
        self._push_new_items(
            records._exchange_records_to_create(self, window, context),
            model._name,
            lambda record, key: record._exchange_remote_create(
                self, backend, box, key, context
            ),
            batch_size,
            stats,
            now,
        )

    def _push_new_items(
        self, records, res_model, create_remote, batch_size, stats, now
    ):
        """Create ``records`` in Outlook batch by batch and link them.

        Each batch is committed before the next (a crash loses at most one batch,
        and the Odoo key sent along lets the next run recognise what it created).
        """
        for batch in self._in_batches(records, batch_size):
            with self.env.cr.savepoint():
                for record in batch:
                    key = self._odoo_key(res_model, record.id)
                    result = create_remote(record, key)
                    self._sync_checkpoint("remote_created")
                    self.env["exchange.item.link"].create(
                        self._new_link_vals(
                            result, now, res_model, record.id, is_origin=True
                        )
                    )
                    stats["pushed"] += 1
                if "exchange_need_sync" in batch._fields:  # not on recurrences
                    batch.write({"exchange_need_sync": False})
            self._commit_batch()
