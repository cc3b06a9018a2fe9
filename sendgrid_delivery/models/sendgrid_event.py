import json
import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..services import webhook

_logger = logging.getLogger(__name__)

EVENT_TYPE_SELECTION = [
    ("processed", "Processed"),
    ("dropped", "Dropped"),
    ("delivered", "Delivered"),
    ("deferred", "Deferred"),
    ("bounce", "Bounced"),
    ("open", "Opened"),
    ("click", "Clicked"),
    ("spamreport", "Spam report"),
    ("unsubscribe", "Unsubscribed"),
    ("group_unsubscribe", "Unsubscribed from group"),
    ("group_resubscribe", "Resubscribed to group"),
]
MANAGER_GROUP = "sendgrid_delivery.group_mass_mailing_manager"
MAILING_GROUP = "mass_mailing.group_mass_mailing_user"
DEFAULT_RETENTION_DAYS = 730  # events hold IP addresses and user agents
# SendGrid drops mail to addresses it knows are dead: as bad as a hard bounce
DEAD_ADDRESS_DROP_REASONS = ("Bounced Address", "Invalid")
SOURCE_SELECTION = [
    ("webhook", "Event webhook"),
    ("reconciliation", "SendGrid reconciliation"),
]
# consent history source of what the reconciliation applies
RECONCILIATION_CONSENT_SOURCE = "sendgrid_reconciliation"
# the event types the reconciliation can store (see services/suppressions.py)
RECONCILED_TYPES = ("bounce", "spamreport", "unsubscribe", "group_unsubscribe")

# columns filled from the normalised webhook events (services/webhook.py)
_EVENT_COLUMNS = [
    ("sg_event_id", "varchar"),
    ("event_type", "varchar"),
    ("email", "varchar"),
    ("event_date", "timestamp"),
    ("sg_message_id", "varchar"),
    ("smtp_id", "varchar"),
    ("reason", "text"),
    ("status", "varchar"),
    ("response", "text"),
    ("attempt", "integer"),
    ("bounce_type", "varchar"),
    ("bounce_classification", "varchar"),
    ("url", "varchar"),
    ("useragent", "varchar"),
    ("ip", "varchar"),
    ("asm_group_id", "integer"),
    ("category", "varchar"),
    ("is_machine_open", "boolean"),
    ("source", "varchar"),
]
_LINK_COLUMNS = [
    ("mail_id", "integer"),
    ("message_id", "integer"),
    ("trace_id", "integer"),
    ("partner_id", "integer"),
]


class SendgridEvent(models.Model):
    _name = "sendgrid.event"
    _description = "SendGrid e-mail event"
    _order = "event_date desc, id desc"
    _rec_name = "sg_event_id"

    sg_event_id = fields.Char(string="SendGrid event ID", required=True, readonly=True)
    # no index on type/e-mail: low selectivity / searched with ilike; every index
    # costs on the 1,000-row inserts
    event_type = fields.Selection(
        EVENT_TYPE_SELECTION, string="Event", required=True, readonly=True
    )
    email = fields.Char(string="E-mail", readonly=True)
    event_date = fields.Datetime(
        string="Time", required=True, readonly=True, index=True
    )
    sg_message_id = fields.Char(string="SendGrid message ID", readonly=True)
    smtp_id = fields.Char(string="SMTP ID", readonly=True)
    reason = fields.Text(readonly=True)
    status = fields.Char(string="SMTP status", readonly=True)
    response = fields.Text(string="Server response", readonly=True)
    attempt = fields.Integer(readonly=True)
    bounce_type = fields.Selection(
        [("bounce", "Hard bounce"), ("blocked", "Blocked")],
        readonly=True,
        help="Hard bounce: the address does not exist. Blocked: the receiving "
        "server refused this message (reputation, content); the address may work.",
    )
    bounce_classification = fields.Char(readonly=True)
    # personal tracking data: the e-mail log's manager only
    url = fields.Char(string="Clicked URL", readonly=True, groups=MANAGER_GROUP)
    useragent = fields.Char(string="User agent", readonly=True, groups=MANAGER_GROUP)
    ip = fields.Char(string="IP address", readonly=True, groups=MANAGER_GROUP)
    asm_group_id = fields.Integer(string="Unsubscribe group", readonly=True)
    category = fields.Char(readonly=True)
    source = fields.Selection(
        SOURCE_SELECTION,
        required=True,
        readonly=True,
        default="webhook",
        help="Event webhook: pushed by SendGrid. SendGrid reconciliation: found "
        "on SendGrid's suppression lists after the webhook missed it.",
    )
    is_machine_open = fields.Boolean(
        string="Machine open",
        readonly=True,
        help="Opened by a privacy proxy (e.g. Apple Mail), not necessarily a person.",
    )
    # links whose display name (subject, document name) may not be the
    # reader's to see: the manager, or the mailing's marketers, only
    mail_mail_id = fields.Many2one(
        "mail.mail",
        string="Outgoing e-mail",
        readonly=True,
        ondelete="set null",
        groups=MANAGER_GROUP,
    )
    # mail.mail rows are deleted after sending; the integer survives them
    mail_mail_id_int = fields.Integer(
        string="Outgoing e-mail ID", readonly=True, index="btree_not_null"
    )
    mail_message_id = fields.Many2one(
        "mail.message",
        string="Message",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        groups=MANAGER_GROUP,
    )
    mailing_trace_id = fields.Many2one(
        "mailing.trace",
        string="Mailing trace",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        groups=MAILING_GROUP,
    )
    mailing_id = fields.Many2one(
        "mailing.mailing", readonly=True, ondelete="set null", groups=MAILING_GROUP
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", readonly=True, ondelete="set null", index=True
    )
    user_id = fields.Many2one(
        related="partner_id.user_id", string="Salesperson", readonly=True
    )
    # the subject only of messages the reader may read
    subject = fields.Char(compute="_compute_subject")

    _sql_constraints = [
        (
            "sg_event_id_uniq",
            "unique(sg_event_id)",
            "SendGrid sends each event once; it is stored once.",
        ),
    ]

    def init(self):
        # the webhook looks up what the reconciliation already applied: few
        # rows, but on every batch with bounces or opt-outs
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS sendgrid_event_reconciled_email_index"
            " ON sendgrid_event (email, event_type) WHERE source = 'reconciliation'"
        )
        # each batch of group events looks up later opposite events per address
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS sendgrid_event_group_email_index"
            " ON sendgrid_event (email, asm_group_id, event_date)"
            " WHERE event_type IN ('group_unsubscribe', 'group_resubscribe')"
        )

    @api.depends_context("uid")
    def _compute_subject(self):
        links = {event.id: event.sudo().mail_message_id for event in self}
        messages = self.env["mail.message"].union(*links.values())
        readable = messages.with_env(self.env)._filtered_access("read")
        for event in self:
            message = links[event.id]
            event.subject = (
                message.sudo().subject if message and message in readable else False
            )

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    @api.autovacuum
    def _gc_old_events(self):
        """Delete events older than the retention (IP addresses, user agents)."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sendgrid_delivery.event_retention_days", DEFAULT_RETENTION_DAYS)
            or 0
        )
        if days <= 0:
            return 0
        self.env.cr.execute(
            SQL(
                "DELETE FROM sendgrid_event WHERE event_date"
                " < (NOW() AT TIME ZONE 'UTC') - make_interval(days => %s)",
                days,
            )
        )
        deleted = self.env.cr.rowcount
        self.invalidate_model()
        _logger.info("Deleted %s SendGrid events older than %s days", deleted, days)
        return deleted

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------
    @api.model
    def _count_visible(self, field_name, ids):
        """Events per id of ``field_name`` that the reader may see ({} if none).

        The "E-mail log" buttons show this count: never events their list
        would hide from the same user.
        """
        ids = [record_id for record_id in ids if isinstance(record_id, int)]
        if not ids or not self.has_access("read"):
            return {}
        if not self._fields[field_name].is_accessible(self.env):
            return {}
        groups = self._read_group(
            [(field_name, "in", list(ids))], [field_name], ["__count"]
        )
        return {
            (key.id if isinstance(key, models.BaseModel) else key): count
            for key, count in groups
        }

    @api.model
    def _action_open_log(self, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sendgrid_delivery.sendgrid_event_action"
        )
        action.update({"domain": domain, "name": name, "context": {}})
        return action

    # ------------------------------------------------------------------
    # Webhook
    # ------------------------------------------------------------------
    @api.model
    def _webhook_receive(self, raw_body, headers):
        """Verify, parse and store one webhook request; return (status, payload).

        This is the whole route except HTTP plumbing: nothing is written
        unless the signature, timestamp and body are all valid.
        """
        key = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sendgrid_delivery.verification_key")
        )
        try:
            events = webhook.verify_and_parse(key, raw_body, headers)
        except webhook.WebhookError as exc:
            _logger.warning(
                "SendGrid webhook refused (%s): %s", exc.status, exc, exc_info=False
            )
            return exc.status, {"error": str(exc)}
        result = self.sudo()._ingest_events(events)
        return 200, result

    @api.model
    def _ingest_trusted_payload(self, payload):
        """Store SendGrid event dicts that need no signature (demo data, imports).

        Events without ``odoo_db`` are taken as this database's.
        """
        events = [e for e in map(webhook.normalise_event, payload) if e]
        for event in events:
            event["odoo_db"] = event["odoo_db"] or self.env.cr.dbname
        return self._ingest_events(events)

    @api.model
    def _ingest_events(self, events):
        """Store normalised events once and apply their effects, set-based.

        One INSERT ... ON CONFLICT DO NOTHING RETURNING stores the new events
        (linked to message, trace and partner in the same statement); the
        effects then run once per event type on the returned rows. Events of
        another database or of messages unknown here are ignored.
        """
        dbname = self.env.cr.dbname
        ours = [e for e in events if e.get("odoo_db") == dbname]
        if not ours:
            return {"received": len(events), "stored": 0, "ignored": len(events)}
        self.env.flush_all()
        rows = self._insert_events(ours)
        self.invalidate_model()
        if rows:
            self._apply_effects(rows)
        return {
            "received": len(events),
            "stored": len(rows),
            "ignored": len(events) - len(rows),
        }

    def _insert_events(self, events, by_address=False):
        """INSERT the events; return the new rows.

        Webhook events are kept when they belong to a message, mail or trace
        of this database. With ``by_address`` (the reconciliation's events,
        which belong to no message), an event is kept when its address is a
        contact's or a mailing-list contact's (see :meth:`_already_stored` for
        which of them are applied).
        """
        keys = [name for name, _type in _EVENT_COLUMNS + _LINK_COLUMNS]
        payload = json.dumps([{k: e.get(k) for k in keys} for e in events])
        record_def = SQL(
            ", ".join(
                f"{name} {sqltype}" for name, sqltype in _EVENT_COLUMNS + _LINK_COLUMNS
            )
        )
        columns = SQL(", ".join(name for name, _type in _EVENT_COLUMNS))
        v_columns = SQL(
            ", ".join(
                "COALESCE(v.source, 'webhook')" if name == "source" else f"v.{name}"
                for name, _type in _EVENT_COLUMNS
            )
        )
        query = SQL(
            """
            WITH v AS (
                SELECT *
                  FROM jsonb_to_recordset(%(payload)s::jsonb) AS v(%(record_def)s)
            ), linked AS (
                SELECT v.*,
                       mm.id AS link_mail_id,
                       COALESCE(mm.id, v.mail_id) AS link_mail_int,
                       COALESCE(msg.id, mm.mail_message_id) AS link_message_id,
                       t.id AS link_trace_id,
                       t.mass_mailing_id AS link_mailing_id,
                       COALESCE(p.id, tp.id, pe.id) AS link_partner_id
                  FROM v
             LEFT JOIN mail_mail mm ON mm.id = v.mail_id
             LEFT JOIN mail_message msg ON msg.id = v.message_id
             LEFT JOIN mailing_trace t ON t.id = v.trace_id
             LEFT JOIN res_partner p ON p.id = v.partner_id
             LEFT JOIN res_partner tp ON t.model = 'res.partner' AND tp.id = t.res_id
             LEFT JOIN LATERAL (
                        SELECT rp.id FROM res_partner rp
                         WHERE p.id IS NULL AND tp.id IS NULL
                           AND rp.email_normalized = v.email
                      ORDER BY rp.active DESC, rp.id
                         LIMIT 1
                   ) pe ON TRUE
            )
            INSERT INTO sendgrid_event (
                %(columns)s, mail_mail_id, mail_mail_id_int, mail_message_id,
                mailing_trace_id, mailing_id, partner_id,
                create_uid, create_date, write_uid, write_date)
            SELECT %(v_columns)s, v.link_mail_id, v.link_mail_int, v.link_message_id,
                   v.link_trace_id, v.link_mailing_id, v.link_partner_id,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM linked v
             WHERE v.link_mail_id IS NOT NULL
                OR v.link_message_id IS NOT NULL
                OR v.link_trace_id IS NOT NULL
                OR (%(by_address)s
                    AND (v.link_partner_id IS NOT NULL
                         OR EXISTS (SELECT 1 FROM mailing_contact mc
                                     WHERE mc.email_normalized = v.email)))
            ON CONFLICT (sg_event_id) DO NOTHING
            RETURNING id, event_type, email, event_date, reason, bounce_type,
                      mailing_trace_id, mailing_id, mail_message_id, partner_id,
                      source, asm_group_id, sg_event_id
            """,
            by_address=bool(by_address),
            payload=payload,
            record_def=record_def,
            columns=columns,
            v_columns=v_columns,
            uid=self.env.uid,
        )
        self.env.cr.execute(query)
        return self.env.cr.dictfetchall()

    def _already_stored(self, events):
        """``sg_event_id`` of the reconciliation's ``events`` whose fact is
        already stored: an event of the same kind (and unsubscribe group) for
        the address since an hour before it - what the webhook did not miss.

        A group resubscribe after that stored event and up to this one (a tie
        included: SendGrid's times are whole seconds, a tie is an opt-out)
        makes this one new: the person left the group again, and a second
        withdrawal within the hour is never dropped. Such events are stored
        all the same, only not applied twice: a late webhook retry of an older
        resubscribe then finds the later withdrawal and does not undo it.
        """
        if not events:
            return set()
        payload = json.dumps(
            [
                {
                    key: event.get(key)
                    for key in ("sg_event_id", "event_type", "email", "event_date")
                }
                | {"asm_group_id": event.get("asm_group_id")}
                for event in events
            ]
        )
        self.env.cr.execute(
            SQL(
                """
            SELECT v.sg_event_id
              FROM jsonb_to_recordset(%(payload)s::jsonb) AS v(
                       sg_event_id varchar, event_type varchar, email varchar,
                       event_date timestamp, asm_group_id integer)
             WHERE EXISTS (
                    SELECT 1 FROM sendgrid_event k
                     WHERE k.email = v.email
                       AND k.event_type = v.event_type
                       AND COALESCE(k.asm_group_id, 0) = COALESCE(v.asm_group_id, 0)
                       AND k.event_date >= v.event_date - INTERVAL '1 hour'
                       AND NOT %(rejoined)s)
            """,
                payload=payload,
                rejoined=_rejoined_between("v", "k.event_date", "v.event_date"),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Effects (one step per event type, each on the whole batch)
    # ------------------------------------------------------------------
    def _apply_effects(self, rows):
        ids = [row["id"] for row in rows]
        self._effect_traces(ids)
        self._effect_notifications(ids)
        late = self._reconciled_before(
            [row["id"] for row in rows if row["event_type"] in RECONCILED_TYPES]
        )
        by_source = defaultdict(list)
        for row in rows:
            if row["id"] not in late:
                by_source[row.get("source") or "webhook"].append(row)
        for source, source_rows in by_source.items():
            self._apply_contact_effects(
                source_rows, reconciled=source == "reconciliation"
            )

    def _reconciled_before(self, ids):
        """Ids of webhook events the reconciliation already applied.

        SendGrid retries the webhook for 24 hours: a retry arriving after the
        reconciliation found the same fact on a suppression list (same kind,
        address and group, within an hour) still updates the trace, but does
        not withdraw or notify twice - unless the person rejoined the group in
        between: then it is a second withdrawal and applies.
        """
        if not ids:
            return set()
        self.env.cr.execute(
            SQL(
                """
            SELECT n.id
              FROM sendgrid_event n
              JOIN sendgrid_event r
                ON r.source = 'reconciliation'
               AND r.email = n.email
               AND r.event_type = n.event_type
               AND COALESCE(r.asm_group_id, 0) = COALESCE(n.asm_group_id, 0)
               AND r.event_date BETWEEN n.event_date - INTERVAL '1 hour'
                                    AND n.event_date + INTERVAL '1 hour'
             -- rejoined between the reconciled fact and this one: this is a
             -- new withdrawal, not the same one again
             WHERE NOT %(rejoined)s
               AND n.id = ANY(%(ids)s) AND n.source = 'webhook'
               AND n.event_type IN %(types)s
            """,
                ids=ids,
                types=RECONCILED_TYPES,
                rejoined=_rejoined_between(
                    "n",
                    "LEAST(r.event_date, n.event_date)",
                    "GREATEST(r.event_date, n.event_date)",
                ),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _apply_contact_effects(self, rows, reconciled=False):
        """What the events change on contacts: consent, blacklist, activities.

        ``reconciled`` rows come from SendGrid's suppression lists: the
        consent history records them with the source "SendGrid reconciliation".
        """
        by_type = defaultdict(list)
        for row in rows:
            by_type[row["event_type"]].append(row)
        hard = [r for r in by_type["bounce"] if r["bounce_type"] != "blocked"] + [
            r
            for r in by_type["dropped"]
            if (r["reason"] or "") in DEAD_ADDRESS_DROP_REASONS
        ]
        if hard:
            self._process_hard_bounces(hard, reconciled=reconciled)
        if by_type["spamreport"]:
            self._process_spam_reports(by_type["spamreport"], reconciled=reconciled)
        if by_type["unsubscribe"]:
            self._process_unsubscribes(by_type["unsubscribe"], reconciled=reconciled)
        group_rows = by_type["group_unsubscribe"] + by_type["group_resubscribe"]
        if group_rows:
            self._process_group_subscriptions(group_rows, reconciled=reconciled)

    def _effect_traces(self, ids):
        """Mailing traces follow delivered / opened / clicked / bounced / dropped."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            UPDATE mailing_trace t
               SET trace_status = 'sent',
                   sent_datetime = COALESCE(t.sent_datetime, e.event_date),
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM sendgrid_event e
             WHERE e.id = ANY(%(ids)s) AND e.event_type = 'delivered'
               AND t.id = e.mailing_trace_id
               AND t.trace_status IN ('outgoing', 'process', 'pending')
            """,
                ids=ids,
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE mailing_trace t
               SET trace_status = CASE WHEN t.trace_status IN ('reply', 'bounce')
                                       THEN t.trace_status ELSE 'open' END,
                   open_datetime = COALESCE(t.open_datetime, e.first_seen),
                   links_click_datetime = CASE
                       WHEN e.last_click IS NULL THEN t.links_click_datetime
                       ELSE GREATEST(t.links_click_datetime, e.last_click) END,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM (SELECT mailing_trace_id,
                           MIN(event_date) AS first_seen,
                           MAX(event_date) FILTER (WHERE event_type = 'click')
                               AS last_click
                      FROM sendgrid_event
                     WHERE id = ANY(%(ids)s) AND event_type IN ('open', 'click')
                       AND mailing_trace_id IS NOT NULL
                  GROUP BY mailing_trace_id) e
             WHERE t.id = e.mailing_trace_id
            """,
                ids=ids,
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE mailing_trace t
               SET trace_status = CASE WHEN e.event_type = 'bounce' THEN 'bounce'
                                       ELSE 'error' END,
                   failure_type = CASE
                       WHEN e.event_type = 'bounce' THEN 'mail_bounce'
                       WHEN e.reason IN %(dead)s THEN 'mail_email_invalid'
                       WHEN e.reason = 'Unsubscribed Address' THEN 'mail_optout'
                       WHEN e.reason = 'Spam Reporting Address' THEN 'mail_bl'
                       ELSE 'unknown' END,
                   failure_reason = e.reason,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM sendgrid_event e
             WHERE e.id = ANY(%(ids)s) AND e.event_type IN ('bounce', 'dropped')
               AND t.id = e.mailing_trace_id
               AND t.trace_status NOT IN ('open', 'reply')
            """,
                ids=ids,
                dead=DEAD_ADDRESS_DROP_REASONS,
            )
        )
        self.env["mailing.trace"].invalidate_model()

    def _effect_notifications(self, ids):
        """Per-recipient status of the message in the chatter (envelope icon)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            UPDATE mail_notification n
               SET notification_status = 'sent'
              FROM sendgrid_event e
             WHERE e.id = ANY(%(ids)s) AND e.event_type = 'delivered'
               AND n.mail_message_id = e.mail_message_id
               AND n.res_partner_id = e.partner_id
               AND n.notification_type = 'email'
               AND n.notification_status IN ('ready', 'process', 'pending')
            """,
                ids=ids,
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE mail_notification n
               SET notification_status = 'bounce',
                   failure_type = 'mail_bounce',
                   failure_reason = e.reason
              FROM sendgrid_event e
             WHERE e.id = ANY(%(ids)s) AND e.event_type IN ('bounce', 'dropped')
               AND n.mail_message_id = e.mail_message_id
               AND n.res_partner_id = e.partner_id
               AND n.notification_type = 'email'
            """,
                ids=ids,
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE mail_notification n
               SET sendgrid_engagement = CASE
                       WHEN e.has_click OR n.sendgrid_engagement = 'click'
                       THEN 'click' ELSE 'open' END,
                   -- an open proves the delivery
                   notification_status = CASE
                       WHEN n.notification_status IN ('ready', 'process', 'pending')
                       THEN 'sent' ELSE n.notification_status END
              FROM (SELECT mail_message_id, partner_id,
                           BOOL_OR(event_type = 'click') AS has_click
                      FROM sendgrid_event
                     WHERE id = ANY(%(ids)s) AND event_type IN ('open', 'click')
                       AND mail_message_id IS NOT NULL AND partner_id IS NOT NULL
                  GROUP BY mail_message_id, partner_id) e
             WHERE n.mail_message_id = e.mail_message_id
               AND n.res_partner_id = e.partner_id
               AND n.notification_type = 'email'
            """,
                ids=ids,
            )
        )
        self.env["mail.notification"].invalidate_model()

    # -- partners ----------------------------------------------------------
    def _partners_by_email(self, rows):
        emails = {row["email"] for row in rows if row["email"]}
        partner_ids = {row["partner_id"] for row in rows if row["partner_id"]}
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        return Partner.search(
            [
                "|",
                ("email_normalized", "in", list(emails)),
                ("id", "in", list(partner_ids)),
            ]
        )

    def _process_hard_bounces(self, rows, reconciled=False):
        emails = sorted({r["email"] for r in rows if r["email"]})
        # mailing-list contacts: core's bounce counter (shown on lists/contacts)
        self.env["mailing.contact"].flush_model(["email_normalized", "message_bounce"])
        self.env.cr.execute(
            SQL(
                "UPDATE mailing_contact"
                " SET message_bounce = COALESCE(message_bounce, 0) + 1"
                " WHERE email_normalized = ANY(%s)",
                emails,
            )
        )
        self.env["mailing.contact"].invalidate_model(["message_bounce"])
        partners = self._partners_by_email(rows)
        partners = partners.filtered(lambda p: p.email_normalized in set(emails))
        if not partners:
            return
        last = {}
        for row in rows:
            last[row["email"]] = row
        partners._sendgrid_mark_email_invalid(
            {
                email: (row["reason"] or _("Hard bounce"), row["event_date"])
                for email, row in last.items()
            },
            source=RECONCILIATION_CONSENT_SOURCE if reconciled else "bounce",
        )

    def _process_spam_reports(self, rows, reconciled=False):
        emails = {row["email"] for row in rows if row["email"]}
        self.env["mail.blacklist"].sudo()._sendgrid_add(emails)
        partners = self._partners_by_email(rows).filtered(
            lambda p: p.email_normalized in emails
        )
        if not partners:
            return
        # the spam-report activity below is the salesperson's follow-up
        if reconciled:
            source = RECONCILIATION_CONSENT_SOURCE
            description = _(
                "On SendGrid's spam report list (found by the reconciliation; "
                "the event webhook missed it)."
            )
        else:
            source = "spam_report"
            description = _("SendGrid reported this address as spam.")
        partners.with_context(consent_followup_planned=True)._consent_withdraw(
            "emarketing", source=source, evidence={"description": description}
        )
        partners._sendgrid_tell_salesperson("spam")

    def _process_unsubscribes(self, rows, reconciled=False):
        """SendGrid's global unsubscribe: blacklist and withdraw E-marketing.

        The one path for ``unsubscribe`` events, pushed or reconciled.
        """
        emails = {row["email"] for row in rows if row["email"]}
        self.env["mail.blacklist"].sudo()._sendgrid_add(emails)
        if reconciled:
            self._withdraw_emarketing(
                rows,
                _(
                    "On SendGrid's global unsubscribe list (found by the "
                    "reconciliation; the event webhook missed it)."
                ),
                source=RECONCILIATION_CONSENT_SOURCE,
            )
        else:
            self._withdraw_emarketing(
                rows, _("Unsubscribed through SendGrid's unsubscribe link.")
            )

    def _withdraw_emarketing(self, rows, description, source="unsubscribe_link"):
        emails = {row["email"] for row in rows if row["email"]}
        partners = self._partners_by_email(rows).filtered(
            lambda p: p.email_normalized in emails
        )
        if partners:
            partners._consent_withdraw(
                "emarketing", source=source, evidence={"description": description}
            )

    @api.model
    def _sendgrid_latest_group_rows(self, rows):
        """The group (un)subscribe rows that decide: per address and group, the
        rows of the kind of the latest event of the batch, unless a stored later
        event of the opposite kind overrides it.

        SendGrid delivers events out of order and retries a batch for 24 hours:
        a retried 12:00 resubscribe must not undo the 12:01 unsubscribe of the
        same address and group that was stored first, nor a resubscribe undo an
        unsubscribe that follows it in one batch. SendGrid's times are whole
        seconds: on a tie the unsubscribe wins. Every row of the deciding kind
        is kept (two unsubscribes through two mailings leave both mailings'
        lists). Overridden events stay in the log.
        """

        def order(row):
            return (
                str(row["event_date"]),
                row["event_type"] == "group_unsubscribe",
                row["id"],
            )

        latest = {}
        for row in sorted(rows, key=order):
            latest[(row["email"], row.get("asm_group_id"))] = row
        if not latest:
            return []
        self.env.cr.execute(
            SQL(
                """
            SELECT n.id
              FROM sendgrid_event n
             WHERE n.id = ANY(%(ids)s)
               AND EXISTS (
                    SELECT 1 FROM sendgrid_event o
                     WHERE o.email = n.email
                       AND o.asm_group_id IS NOT DISTINCT FROM n.asm_group_id
                       AND o.event_type IN ('group_unsubscribe', 'group_resubscribe')
                       AND o.event_type != n.event_type
                       AND (o.event_date > n.event_date
                            OR (o.event_date = n.event_date
                                AND o.event_type = 'group_unsubscribe')))
            """,
                ids=[row["id"] for row in latest.values()],
            )
        )
        overtaken = {row[0] for row in self.env.cr.fetchall()}
        deciding = {
            key: row["event_type"]
            for key, row in latest.items()
            if row["id"] not in overtaken
        }
        return [
            row
            for row in rows
            if deciding.get((row["email"], row.get("asm_group_id")))
            == row["event_type"]
        ]

    def _sendgrid_apply_subscription_groups(self, rows, reconciled=False):
        """Apply group (un/re)subscribe rows that other addons know; return the rest.

        Hook: sendgrid_subscriptions applies the rows of unsubscribe groups
        bound to a subscription type. Rows are dicts with ``event_type``,
        ``email``, ``asm_group_id``, ``partner_id``, ``event_date``.
        """
        return rows

    def _process_group_subscriptions(self, rows, reconciled=False):
        """Unsubscribe groups map to the mailing's lists; without lists, withdraw.

        Per address and group only the latest event counts (see
        :meth:`_sendgrid_latest_group_rows`). Groups an addon binds elsewhere
        (see :meth:`_sendgrid_apply_subscription_groups`) are applied there first.
        """
        rows = self._sendgrid_latest_group_rows(rows)
        rows = self._sendgrid_apply_subscription_groups(rows, reconciled=reconciled)
        if not rows:
            return
        Subscription = self.env["mailing.subscription"].sudo()
        mailings = (
            self.env["mailing.mailing"]
            .sudo()
            .browse({row["mailing_id"] for row in rows if row["mailing_id"]})
        )
        lists_by_mailing = {m.id: m.contact_list_ids for m in mailings}
        withdraw_rows = []
        for opt_out in (True, False):
            kind = "group_unsubscribe" if opt_out else "group_resubscribe"
            grouped = defaultdict(set)
            for row in rows:
                if row["event_type"] != kind:
                    continue
                lists = lists_by_mailing.get(row["mailing_id"])
                if lists:
                    grouped[lists].add(row["email"])
                elif opt_out:
                    withdraw_rows.append(row)
            for lists, emails in grouped.items():
                subscriptions = Subscription.search(
                    [
                        ("list_id", "in", lists.ids),
                        ("contact_id.email_normalized", "in", list(emails)),
                        ("opt_out", "!=", opt_out),
                    ]
                )
                subscriptions.write({"opt_out": opt_out})
        if withdraw_rows:
            self._withdraw_emarketing(
                withdraw_rows,
                _("Unsubscribed from a SendGrid unsubscribe group."),
                source=RECONCILIATION_CONSENT_SOURCE
                if reconciled
                else "unsubscribe_link",
            )


def _rejoined_between(alias, after, until):
    """SQL condition: the person of event ``alias`` (a row of events) opted in
    again after ``after`` and up to ``until`` (SQL expressions), so a withdrawal
    of the same kind at ``until`` is a new one, not the earlier one again:

    * a group unsubscribe: SendGrid stored a group resubscribe of the address
      and group;
    * a global unsubscribe or spam report: a contact with the address was
      granted E-marketing in Odoo (a new consent or a double opt-in).

    A tie counts: SendGrid's times are whole seconds, and a rejoin and a new
    withdrawal in one second is an opt-out, as everywhere else. False for
    every other kind of event.
    """
    event = SQL.identifier(alias)
    return SQL(
        """(EXISTS (
               SELECT 1 FROM sendgrid_event o
                WHERE o.email = %(event)s.email
                  AND o.event_type = 'group_resubscribe'
                  AND %(event)s.event_type = 'group_unsubscribe'
                  AND COALESCE(o.asm_group_id, 0) = COALESCE(%(event)s.asm_group_id, 0)
                  AND o.event_date > %(after)s
                  AND o.event_date <= %(until)s)
            OR (%(event)s.event_type IN ('unsubscribe', 'spamreport')
                AND EXISTS (
                    SELECT 1 FROM consent_event ce
                      JOIN consent_purpose cp
                        ON cp.id = ce.purpose_id AND cp.code = 'emarketing'
                      JOIN res_partner p ON p.id = ce.partner_id
                     WHERE p.email_normalized = %(event)s.email
                       AND ce.event_type IN ('grant', 'confirm')
                       AND ce.state = 'active'
                       AND ce.create_date > %(after)s
                       AND ce.create_date <= %(until)s)))""",
        event=event,
        after=SQL(after),
        until=SQL(until),
    )
