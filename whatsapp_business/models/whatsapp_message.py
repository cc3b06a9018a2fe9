import json
import logging
import threading
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.mail.tools.discuss import Store
from odoo.addons.phone_validation.tools import phone_validation

from ..services import client as wa_client
from ..services import webhook as wa_webhook
from .whatsapp_price import PRICING_CATEGORIES

_logger = logging.getLogger(__name__)

MESSAGE_STATES = [
    ("outgoing", "In Queue"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("read", "Read"),
    ("failed", "Failed"),
    ("received", "Received"),
]
DEFAULT_MAX_ATTEMPTS = 24
MAX_BACKOFF_MINUTES = 60


# whatsapp.message state -> mail.notification status (Discuss's delivery mark).
# A failure is "canceled", not "exception": mail would offer to resend it as an
# e-mail and list it among e-mail failures; it is posted in the conversation
# and retried from WhatsApp > Messages instead.
NOTIFICATION_STATUS = {
    "outgoing": "ready",
    "sent": "sent",
    "delivered": "sent",
    "read": "sent",
    "failed": "canceled",
}
# the order of NOTIFICATION_STATUS is the order of progress


def backoff_minutes(attempt):
    """Minutes to wait after failed attempt number ``attempt`` (1, 2, 4 … 60)."""
    return min(2 ** max(attempt - 1, 0), MAX_BACKOFF_MINUTES)


class WhatsappMessage(models.Model):
    _name = "whatsapp.message"
    _description = "WhatsApp Message"
    _order = "message_date desc, id desc"

    account_id = fields.Many2one(
        "whatsapp.account", required=True, ondelete="cascade", index=True
    )
    channel_id = fields.Many2one(
        "discuss.channel", string="Conversation", ondelete="set null", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", ondelete="set null", index=True
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Discuss Message", ondelete="set null", index=True
    )
    meta_id = fields.Char(
        string="Meta Message ID", readonly=True, copy=False, help="Meta's wamid."
    )
    direction = fields.Selection(
        [("inbound", "Incoming"), ("outbound", "Outgoing")], required=True
    )
    state = fields.Selection(
        MESSAGE_STATES, string="Status", required=True, default="outgoing", index=True
    )
    failure_reason = fields.Text(readonly=True)
    message_type = fields.Char(default="text", help="text, template, image, …")
    template_id = fields.Many2one("whatsapp.template", ondelete="set null")
    template_components = fields.Text(
        help="Placeholder values sent with the template (JSON)."
    )
    body = fields.Text()
    recipient = fields.Char(
        string="WhatsApp Number",
        help="Phone number (digits with country code) or Meta user id of the contact.",
    )
    reply_to_meta_id = fields.Char(string="Reply To")
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="File",
        ondelete="set null",
        help="File sent or received.",
    )
    message_date = fields.Datetime(
        string="Date", required=True, default=fields.Datetime.now, index=True
    )
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    next_attempt_date = fields.Datetime(readonly=True, index=True)
    state_date = fields.Datetime(string="Status Updated", readonly=True)
    pricing_category = fields.Selection(PRICING_CATEGORIES, readonly=True)
    pricing_model = fields.Char(readonly=True, help="CBP or PMP, as Meta reports it.")
    is_billable = fields.Boolean(string="Billable", readonly=True)
    currency_id = fields.Many2one(related="account_id.currency_id")
    country_id = fields.Many2one(
        "res.country",
        string="Destination Country",
        compute="_compute_country_id",
        store=True,
        index=True,
        help="The contact's market, from the country code of the WhatsApp number "
        "(else the contact's country): Meta prices by it.",
    )
    estimated_cost = fields.Monetary(
        compute="_compute_estimated_cost",
        store=True,
        currency_field="currency_id",
        help="Billable messages priced with the account's price table.",
    )

    _sql_constraints = [
        ("meta_id_unique", "unique(meta_id)", "Meta message ids are unique.")
    ]

    @api.depends("partner_id", "body", "meta_id")
    def _compute_display_name(self):
        for message in self:
            text = (message.body or message.meta_id or "").strip().splitlines()
            excerpt = text[0][:40] if text else ""
            name = message.partner_id.display_name or message.recipient or ""
            message.display_name = f"{name}: {excerpt}" if excerpt else name

    @api.depends("recipient", "partner_id")
    def _compute_country_id(self):
        codes = {}
        for message in self:
            number = message.recipient or ""
            codes[message] = (
                phone_validation.phone_get_region_data_for_number("+" + number)["code"]
                if number.isdigit()
                else ""
            )
        countries = {
            country.code: country
            for country in self.env["res.country"].search(
                [("code", "in", list({code for code in codes.values() if code}))]
            )
        }
        for message, code in codes.items():
            message.country_id = countries.get(code) or message.partner_id.country_id

    @api.depends(
        "is_billable",
        "pricing_category",
        "country_id",
        "account_id.price_ids.price",
        "account_id.price_ids.category",
        "account_id.price_ids.country_id",
    )
    def _compute_estimated_cost(self):
        for message in self:
            price = 0.0
            if message.is_billable and message.pricing_category:
                price = message.account_id._price_of(
                    message.pricing_category, message.country_id
                )
            message.estimated_cost = price

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        messages._check_attachment_access()
        messages._sync_delivery_marks()
        return messages

    def write(self, vals):
        if vals.get("attachment_id"):
            self._check_file_access(
                self.env["ir.attachment"].browse(vals["attachment_id"])
            )
        result = super().write(vals)
        if {"state", "failure_reason", "mail_message_id"} & set(vals):
            self._sync_delivery_marks()
        return result

    def _sync_delivery_marks(self):
        """Mirror the state of outgoing messages on their Discuss message: a
        ``whatsapp`` mail.notification, shown (and updated live) by Discuss. A
        text and its files are separate WhatsApp messages of one Discuss
        message: the mark shows the least advanced of them (any failure wins)."""
        mail_messages = self.filtered(
            lambda m: m.direction == "outbound" and m.mail_message_id
        ).mail_message_id
        if not mail_messages:
            return
        siblings = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("mail_message_id", "in", mail_messages.ids),
                    ("direction", "=", "outbound"),
                ]
            )
        )
        order = list(NOTIFICATION_STATUS)
        Notification = self.env["mail.notification"].sudo()
        existing = {
            n.mail_message_id: n
            for n in Notification.search(
                [
                    ("mail_message_id", "in", mail_messages.ids),
                    ("notification_type", "=", "whatsapp"),
                ]
            )
        }
        to_create = []
        for mail_message in mail_messages:
            messages = siblings.filtered(
                lambda m, mm=mail_message: m.mail_message_id == mm
            )
            failed = messages.filtered(lambda m: m.state == "failed")
            state = (
                "failed"
                if failed
                else min(messages.mapped("state"), key=order.index, default="outgoing")
            )
            vals = {
                "notification_status": NOTIFICATION_STATUS[state],
                "whatsapp_status": state,
                "failure_type": "unknown" if failed else False,
                "failure_reason": "\n".join(
                    filter(None, failed.mapped("failure_reason"))
                )
                or False,
            }
            notification = existing.get(mail_message)
            if notification:
                notification.write(vals)
                continue
            to_create.append(
                dict(
                    vals,
                    mail_message_id=mail_message.id,
                    res_partner_id=messages[:1].partner_id.id,
                    notification_type="whatsapp",
                    is_read=True,
                )
            )
        if to_create:
            Notification.create(to_create)
        for channel in siblings.channel_id:
            store = Store()
            siblings.filtered(
                lambda m, c=channel: m.channel_id == c
            ).mail_message_id.sudo()._message_notifications_to_store(store)
            channel._bus_send_store(store)

    def _check_attachment_access(self):
        """The queue uploads files with sudo: whoever attaches a file to an
        outgoing message (or sends it again) must be allowed to read it."""
        self._check_file_access(
            self.filtered(lambda m: m.direction == "outbound").attachment_id
        )

    def _check_file_access(self, attachments):
        if self.env.su or not attachments:
            return
        attachments = attachments.with_env(self.env)
        try:
            attachments.check_access("read")
            attachments.check("read")
        except AccessError as exc:
            raise AccessError(
                self.env._(
                    "You cannot send a file on WhatsApp that you are not allowed to "
                    "read."
                )
            ) from exc

    # -- queue -------------------------------------------------------------
    def _trigger_queue(self, at=None):
        cron = self.env.ref(
            "whatsapp_business.ir_cron_whatsapp_send", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger(at=at)

    @api.model
    def _cron_send_outgoing(self, batch_size=200):
        """Send queued messages that are due; reschedule itself for retries.

        Each message is claimed right after a commit (a fresh snapshot), then
        sent, marked and committed in that one transaction: its row lock lasts
        until it is marked, so another cron worker never sends it too, and a
        crash never sends it again."""
        now = fields.Datetime.now()
        # tests forbid commits; core crons (mass_mailing) use the same flag
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        done = self.browse()
        for _index in range(batch_size):
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            message = self._claim_due(1, now=now, exclude=done)
            if message is None:
                if auto_commit:
                    continue  # taken by another worker: look again, fresh snapshot
                break
            if not message:
                break
            done |= message
            message._send()
        remaining = self.search(
            [("state", "=", "outgoing")], order="next_attempt_date asc", limit=1
        )
        if remaining:
            due = remaining.next_attempt_date
            self._trigger_queue(at=due if due and due > now else None)

    @api.model
    def _claim_due(self, batch_size=200, now=None, exclude=None):
        """Lock the queued messages that are due and return them. Rows another
        cron worker has locked are skipped (``FOR UPDATE SKIP LOCKED``): two
        workers never send the same message. The locks last until commit.

        ``None`` when a due row was changed by another worker since this
        transaction's snapshot (REPEATABLE READ cannot lock it): it was taken;
        claim again after a commit."""
        self.flush_model(["state", "next_attempt_date"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """SELECT id FROM whatsapp_message
                            WHERE state = 'outgoing'
                              AND (next_attempt_date IS NULL OR next_attempt_date <= %s)
                              AND id != ALL(%s)
                         ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
                        now or fields.Datetime.now(),
                        (exclude or self.browse()).ids,
                        batch_size,
                    ),
                    log_exceptions=False,
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except pg_errors.SerializationFailure:
            _logger.info("WhatsApp queue: a due message was taken by another worker")
            return None
        return self.browse(ids)

    def _send(self):
        """Send these outgoing messages now; errors become retries or failures."""
        max_attempts = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("whatsapp_business.max_attempts", DEFAULT_MAX_ATTEMPTS)
        )
        clients = {}
        for message in self.filtered(lambda m: m.state == "outgoing"):
            account = message.account_id
            if account not in clients:
                clients[account] = account._get_client()
            try:
                meta_id = message._send_with(clients[account])
            except wa_client.RetryableError as exc:
                message._register_retry(exc, max_attempts)
            except wa_client.WhatsAppError as exc:
                message._register_failure(
                    message._meta_refusal_reason([exc.code], exc.message)
                )
            else:
                message.write(
                    {
                        "meta_id": meta_id,
                        "state": "sent",
                        "state_date": fields.Datetime.now(),
                        "attempt_count": message.attempt_count + 1,
                        "next_attempt_date": False,
                        "failure_reason": False,
                    }
                )

    def _send_with(self, client):
        self.ensure_one()
        if not self.recipient:
            raise wa_client.PermanentError(
                self.env._("The contact has no WhatsApp number.")
            )
        if self.template_id:
            template = self.template_id
            if template.category == "marketing":
                try:
                    self.account_id._check_marketing_budget(
                        exclude=self, include_queued=False
                    )
                except UserError as exc:
                    raise wa_client.PermanentError(str(exc.args[0])) from exc
            if template.status != "approved":
                reason = template._status_reason_text()
                raise wa_client.PermanentError(
                    self.env._(
                        "Template %(template)s is no longer approved.",
                        template=template.display_name,
                    )
                    + (f" {reason}" if reason else "")
                )
            components = json.loads(self.template_components or "[]")
            try:
                components = template._header_components(components, client)
            except UserError as exc:
                raise wa_client.PermanentError(str(exc.args[0])) from exc
            return client.send_template(
                self.recipient, template.name, template.language, components
            )
        channel = self.channel_id.sudo()
        if channel and not channel.whatsapp_is_window_open:
            # Meta would refuse it (131047): fail before any HTTP call
            env, _users = channel._whatsapp_team_env()
            raise wa_client.PermanentError(
                env._(
                    "The 24-hour reply window closed before this message could be "
                    "sent: send a template to restart the conversation."
                )
            )
        if self.attachment_id:
            attachment = self.attachment_id.sudo()
            mime = attachment.mimetype or "application/octet-stream"
            media_id = client.upload_media(attachment.raw or b"", mime, attachment.name)
            return client.send_media(
                self.recipient,
                wa_client.media_kind(mime),
                media_id,
                filename=attachment.name,
                reply_to=self.reply_to_meta_id,
            )
        return client.send_text(
            self.recipient, self.body or "", reply_to=self.reply_to_meta_id
        )

    def _meta_refusal_reason(self, codes, meta_text):
        """The failure reason of a message Meta refused with one of ``codes``,
        after acting on what the code means: 131050 withdraws the contact's
        WhatsApp marketing consent, 131047 closes the conversation's window;
        131049 (Meta's marketing limit) changes nothing."""
        self.ensure_one()
        channel = self.channel_id.sudo()
        env = channel._whatsapp_team_env()[0] if channel else self.env
        meta_text = meta_text or ""
        if wa_client.MARKETING_STOPPED_CODE in codes:
            partner = self.partner_id.sudo()
            if partner:
                partner._consent_withdraw(
                    "whatsapp_marketing",
                    source="whatsapp",
                    evidence={
                        "description": env._(
                            "Meta refused a marketing message to %(number)s: the "
                            "person stopped marketing messages in WhatsApp "
                            "(%(meta)s).",
                            number=self.recipient or "-",
                            meta=meta_text,
                        )
                    },
                )
            return env._(
                "%(contact)s stopped marketing messages from your business in "
                "WhatsApp; their WhatsApp marketing consent is now withdrawn. "
                "Meta: %(meta)s",
                contact=partner.display_name or self.recipient or "-",
                meta=meta_text,
            )
        if wa_client.MARKETING_LIMIT_CODE in codes:
            return env._(
                "Meta limits marketing messages to this person for now. Their "
                "consent is unchanged; try again in a few days. Meta: %(meta)s",
                meta=meta_text,
            )
        if wa_client.RE_ENGAGEMENT_CODE in codes:
            channel._whatsapp_close_window()
            return env._(
                "The 24-hour reply window has closed: send a template to restart "
                "the conversation. Meta: %(meta)s",
                meta=meta_text,
            )
        return meta_text

    def _register_retry(self, error, max_attempts):
        attempts = self.attempt_count + 1
        if attempts >= max_attempts:
            self._register_failure(
                self.env._(
                    "Meta could not be reached after %(count)s attempts: %(reason)s",
                    count=attempts,
                    reason=error.message,
                ),
                attempts=attempts,
            )
            return
        _logger.info(
            "WhatsApp message %s: attempt %s failed (%s), retrying later",
            self.id,
            attempts,
            error,
        )
        self.write(
            {
                "attempt_count": attempts,
                "failure_reason": error.message,
                "next_attempt_date": fields.Datetime.now()
                + timedelta(minutes=backoff_minutes(attempts)),
            }
        )

    def _register_failure(self, reason, attempts=None):
        self.write(
            {
                "state": "failed",
                "failure_reason": reason,
                "state_date": fields.Datetime.now(),
                "attempt_count": attempts or self.attempt_count + 1,
                "next_attempt_date": False,
            }
        )
        self._notify_failure()

    def _notify_failure(self):
        """Show Meta's reason in the conversation, where the sender looks."""
        for message in self.filtered("channel_id"):
            body = Markup('<div class="o_mail_notification">%s</div>') % (
                self.env._(
                    "WhatsApp message not delivered: %(reason)s",
                    reason=message.failure_reason or "",
                )
            )
            message.channel_id.sudo().with_context(
                whatsapp_skip_send=True
            ).message_post(
                body=body,
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
                parent_id=message.mail_message_id.id or False,
            )

    def action_retry(self):
        self.check_access("read")
        failed = self.filtered(
            lambda m: m.direction == "outbound" and m.state == "failed"
        )
        if not failed:
            raise UserError(self.env._("Only failed outgoing messages can be retried."))
        failed._check_attachment_access()
        # sudo: whatsapp.message - users read messages; the queue fields are ours
        failed.sudo().write(
            {"state": "outgoing", "next_attempt_date": False, "attempt_count": 0}
        )
        self._trigger_queue()

    # -- statuses ----------------------------------------------------------
    @api.model
    def _process_statuses(self, statuses, accounts=None):
        """Apply parsed status items; duplicates and stale statuses write nothing.

        ``accounts`` (the ones that signed the webhook) limits which messages a
        status may touch.
        """
        domain = [("meta_id", "in", [s["wamid"] for s in statuses if s.get("wamid")])]
        if accounts is not None:
            domain.append(("account_id", "in", accounts.ids))
        messages = self.search(domain)
        by_meta_id = {m.meta_id: m for m in messages}
        failed = self.browse()
        for status in statuses:
            message = by_meta_id.get(status.get("wamid"))
            if not message:
                continue
            vals = {}
            new_state = status.get("status")
            if new_state in ("sent", "delivered", "read", "failed") and (
                wa_webhook.status_moves_forward(message.state, new_state)
            ):
                vals["state"] = new_state
                vals["state_date"] = status.get("timestamp") or fields.Datetime.now()
                if new_state == "failed":
                    vals["failure_reason"] = message._meta_refusal_reason(
                        status.get("error_codes") or [], status.get("error")
                    ) or self.env._(
                        "Meta reported the message as failed without a reason."
                    )
                    failed |= message
            category = status.get("pricing_category")
            if category and category in dict(PRICING_CATEGORIES):
                if message.pricing_category != category:
                    vals["pricing_category"] = category
                if status.get("pricing_model") and (
                    message.pricing_model != status["pricing_model"]
                ):
                    vals["pricing_model"] = status["pricing_model"]
            if status.get("billable") is not None and (
                message.is_billable != status["billable"]
            ):
                vals["is_billable"] = status["billable"]
            if vals:
                message.write(vals)
        failed._notify_failure()
        return messages
