import logging
import secrets
from datetime import datetime

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import format_amount

from ..services import client as wa_client
from ..services import template as wa_template
from ..services import webhook as wa_webhook

_logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
# Where the access token goes: only system administrators may change them.
PROVIDER_FIELDS = ("base_url", "api_version")


def _preference_order(item):
    """Meta's order of a person's stop/resume notifications (oldest first)."""
    return item.get("timestamp") or datetime.min


class WhatsappAccount(models.Model):
    _name = "whatsapp.account"
    _description = "WhatsApp Business Account"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the price table used to estimate costs.",
    )
    phone_number_id = fields.Char(
        string="Phone Number ID",
        required=True,
        tracking=True,
        help="Meta's id of the WhatsApp phone number (WhatsApp Manager > API Setup).",
    )
    business_account_id = fields.Char(
        string="WhatsApp Business Account ID",
        required=True,
        tracking=True,
        help="Meta's id of the WhatsApp Business Account (WABA) owning the templates.",
    )
    display_phone_number = fields.Char(
        readonly=True, help="Filled in by Test connection."
    )
    verified_name = fields.Char(readonly=True, help="Filled in by Test connection.")
    access_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Permanent token of a Meta system user with the "
        "whatsapp_business_messaging and whatsapp_business_management permissions.",
    )
    app_secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="App Secret of the Meta app (App settings > Basic). Incoming webhooks "
        "are refused while it is empty.",
    )
    webhook_verify_token = fields.Char(
        groups="base.group_system",
        copy=False,
        default=lambda self: secrets.token_urlsafe(16),
        help="Any secret text; type the same text as Verify token in the Meta app "
        "webhook configuration.",
    )
    callback_url = fields.Char(
        string="Webhook URL",
        compute="_compute_callback_url",
        help="Paste this address as Callback URL in the Meta app webhook "
        "configuration.",
    )
    api_version = fields.Char(
        string="API Version",
        required=True,
        copy=False,
        default=wa_client.DEFAULT_API_VERSION,
        help="Graph API version used for every call, e.g. v23.0. Only system "
        "administrators can change it.",
    )
    base_url = fields.Char(
        string="Graph API URL",
        required=True,
        copy=False,
        default=wa_client.DEFAULT_BASE_URL,
        help="Where the access token is sent: Meta's Graph API. Only system "
        "administrators can change it.",
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Users",
        domain=[("share", "=", False)],
        help="These users become members of every new conversation and see it in "
        "their Discuss inbox.",
    )
    template_ids = fields.One2many("whatsapp.template", "account_id")
    template_count = fields.Integer(compute="_compute_counts")
    conversation_ids = fields.One2many("discuss.channel", "whatsapp_account_id")
    conversation_count = fields.Integer(compute="_compute_counts")
    message_count = fields.Integer(compute="_compute_counts")
    price_ids = fields.One2many(
        "whatsapp.price", "account_id", string="Prices per Message", copy=True
    )
    monthly_budget = fields.Monetary(
        currency_field="currency_id",
        tracking=True,
        help="Marketing templates are refused once the estimated cost of this "
        "month's messages reaches this amount. 0: no budget.",
    )
    month_cost = fields.Monetary(
        string="Estimated Cost This Month",
        currency_field="currency_id",
        compute="_compute_month_cost",
        help="Billable messages priced with the price table, plus templates Meta has "
        "not priced yet (at their category's price).",
    )
    last_template_sync = fields.Datetime(readonly=True)
    opt_out_keywords = fields.Char(
        string="Opt-out Keywords",
        default="STOP, AFMELD, AFMELDEN, UNSUBSCRIBE",
        help="Comma-separated words: a customer whose message (or button reply) is "
        "exactly one of them withdraws their WhatsApp marketing consent.",
    )
    is_opt_out_confirmed = fields.Boolean(
        string="Confirm Opt-outs",
        default=True,
        help="Answer an opt-out keyword with the confirmation below, in the "
        "contact's language (free text: the customer just wrote, so the 24-hour "
        "window is open).",
    )
    opt_out_confirmation = fields.Text(
        string="Opt-out Confirmation",
        translate=True,
        help="Sent to a customer who answered an opt-out keyword. Leave empty for "
        "the standard text, which is translated into the contact's language.",
    )

    _sql_constraints = [
        (
            "phone_number_id_unique",
            "unique(phone_number_id)",
            "This phone number ID is already used by another WhatsApp account.",
        )
    ]

    @api.constrains("phone_number_id", "business_account_id")
    def _check_meta_ids(self):
        for account in self:
            for value in (account.phone_number_id, account.business_account_id):
                if not (value or "").isdigit() or not value.isascii():
                    raise ValidationError(
                        self.env._(
                            "%(value)s is not a Meta id: the phone number ID and the "
                            "WhatsApp Business Account ID are digits only.",
                            value=value,
                        )
                    )

    @api.constrains("base_url", "api_version")
    def _check_provider(self):
        for account in self:
            if wa_client.base_url_problem(account.base_url):
                raise ValidationError(
                    self.env._(
                        "%(url)s cannot be the Graph API URL: use an https:// address "
                        "without query (plain http only on this machine, 127.0.0.1).",
                        url=account.base_url,
                    )
                )
            if wa_client.api_version_problem(account.api_version):
                raise ValidationError(
                    self.env._(
                        "%(version)s is not a Graph API version; expected e.g. v23.0.",
                        version=account.api_version,
                    )
                )

    def _check_provider_access(self, vals=None):
        """Only system administrators may point the token elsewhere.

        With ``vals`` (a write), the fields may not change; without (after
        ``create``, defaults included), they must hold Meta's defaults.
        """
        if self.env.is_system():
            return
        defaults = {
            "base_url": wa_client.DEFAULT_BASE_URL,
            "api_version": wa_client.DEFAULT_API_VERSION,
        }
        for account in self:
            for fname in PROVIDER_FIELDS:
                if vals is None:
                    changed = account[fname] != defaults[fname]
                else:
                    changed = fname in vals and vals[fname] != account[fname]
                if changed:
                    raise AccessError(
                        self.env._(
                            "Only system administrators can change the Graph API URL "
                            "and the API version of a WhatsApp account: the access "
                            "token is sent there."
                        )
                    )

    def _compute_callback_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        for account in self:
            account.callback_url = base.rstrip("/") + WEBHOOK_PATH

    def _compute_counts(self):
        templates = dict(
            self.env["whatsapp.template"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        channels = dict(
            self.env["discuss.channel"]
            .sudo()
            ._read_group(
                [("whatsapp_account_id", "in", self.ids)],
                ["whatsapp_account_id"],
                ["__count"],
            )
        )
        messages = dict(
            self.env["whatsapp.message"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.template_count = templates.get(account, 0)
            account.conversation_count = channels.get(account, 0)
            account.message_count = messages.get(account, 0)

    # -- prices and budget ----------------------------------------------------
    def _price_of(self, category, country):
        """Price of one billable message of ``category`` to ``country``: the
        country's line, else the line without country."""
        self.ensure_one()
        lines = self.price_ids.filtered(lambda p: p.category == category)
        line = (country and lines.filtered(lambda p: p.country_id == country)) or (
            lines.filtered(lambda p: not p.country_id)
        )
        return line[:1].price

    def _month_start(self):
        return fields.Datetime.to_datetime(fields.Date.today().replace(day=1))

    def _compute_month_cost(self):
        for account in self:
            account.month_cost = account._month_spent()

    def _month_spent(self, exclude=None, include_queued=True):
        """Estimated cost of this month's messages of the account (without the
        queued ones when ``include_queued`` is false: the queue counts what
        already went to Meta)."""
        self.ensure_one()
        Message = self.env["whatsapp.message"].sudo()
        domain = [
            ("account_id", "=", self.id),
            ("direction", "=", "outbound"),
            ("message_date", ">=", self._month_start()),
        ]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        [(priced,)] = Message._read_group(
            domain + [("is_billable", "=", True)], aggregates=["estimated_cost:sum"]
        )
        # templates Meta has not priced yet count at their category's price
        pending = Message.search(
            domain
            + [
                ("template_id", "!=", False),
                ("pricing_category", "=", False),
                (
                    "state",
                    "in",
                    ("outgoing", "sent", "delivered", "read")
                    if include_queued
                    else ("sent", "delivered", "read"),
                ),
            ]
        )
        return (priced or 0.0) + sum(
            self._price_of(m.template_id.category, m.country_id) for m in pending
        )

    def _check_marketing_budget(self, exclude=None, include_queued=True):
        """Refuse a marketing template once the monthly budget is reached."""
        self.ensure_one()
        account = self.sudo()
        if not account.monthly_budget:
            return
        spent = account._month_spent(exclude=exclude, include_queued=include_queued)
        if spent >= account.monthly_budget:
            raise UserError(
                self.env._(
                    "The monthly WhatsApp budget of %(account)s (%(budget)s) is "
                    "reached: %(spent)s estimated this month. Marketing templates can "
                    "be sent again next month or once a WhatsApp administrator raises "
                    "the budget; utility and authentication templates still go out.",
                    account=account.display_name,
                    budget=format_amount(
                        self.env, account.monthly_budget, account.currency_id
                    ),
                    spent=format_amount(self.env, spent, account.currency_id),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        accounts = super().create(vals_list)
        accounts._check_provider_access()
        accounts.filtered(lambda a: not a.price_ids)._add_default_prices()
        return accounts

    def write(self, vals):
        self._check_provider_access(vals)
        return super().write(vals)

    def _add_default_prices(self):
        categories = [
            key
            for key, _label in self.env["whatsapp.price"]._fields["category"].selection
        ]
        for account in self:
            account.price_ids = [
                Command.create({"category": category, "price": 0.0})
                for category in categories
            ]

    def _check_sender(self, partner):
        """The current user may send from this account to ``partner``: they are
        in its team or a WhatsApp administrator, or already a member of the
        conversation. Sending adds them to it, so nobody else may."""
        self.ensure_one()
        if self.env.su:
            return
        self.check_access("read")
        user = self.env.user
        if user in self.sudo().user_ids or user.has_group(
            "whatsapp_business.group_whatsapp_manager"
        ):
            return
        channel = (
            self.env["discuss.channel"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("whatsapp_account_id", "=", self.id),
                    ("whatsapp_partner_id", "=", partner.id),
                ],
                limit=1,
            )
        )
        if user.partner_id not in channel.channel_member_ids.partner_id:
            raise AccessError(
                self.env._(
                    "You are not in the team of the WhatsApp account %(account)s: "
                    "ask a WhatsApp administrator to add you to its users.",
                    account=self.display_name,
                )
            )

    # -- Meta API ----------------------------------------------------------
    def _get_client(self):
        """The service client of this account (secrets read with sudo)."""
        self.ensure_one()
        account = self.sudo()
        timeout = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("whatsapp_business.http_timeout", wa_client.DEFAULT_TIMEOUT)
        )
        return wa_client.WhatsAppClient(
            token=account.access_token,
            phone_number_id=account.phone_number_id,
            business_account_id=account.business_account_id,
            base_url=account.base_url,
            api_version=account.api_version,
            timeout=timeout,
        )

    def action_test_connection(self):
        self.ensure_one()
        # the token is read with sudo below: the caller must manage this account
        self.check_access("write")
        try:
            info = self._get_client().get_phone_number()
        except wa_client.WhatsAppError as exc:
            raise UserError(
                self.env._(
                    "Meta refused the connection: %(reason)s", reason=exc.message
                )
            ) from exc
        self.write(
            {
                "display_phone_number": info.get("display_phone_number"),
                "verified_name": info.get("verified_name"),
            }
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Connection works"),
                "message": self.env._(
                    "Connected to %(number)s (%(name)s).",
                    number=info.get("display_phone_number") or self.phone_number_id,
                    name=info.get("verified_name") or "-",
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_sync_templates(self):
        self.ensure_one()
        self.check_access("write")
        try:
            data = self._get_client().list_templates()
        except wa_client.WhatsAppError as exc:
            raise UserError(
                self.env._(
                    "The templates could not be read from Meta: %(reason)s",
                    reason=exc.message,
                )
            ) from exc
        created, updated = self._sync_templates(
            [wa_template.parse_template(t) for t in data]
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Templates synchronised"),
                "message": self.env._(
                    "%(created)s new and %(updated)s updated templates.",
                    created=created,
                    updated=updated,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _sync_templates(self, parsed_templates):
        """Create or update templates from parsed Meta data; return (created, updated).

        Templates Meta no longer lists are marked deleted (never removed: sent
        messages keep pointing at them).
        """
        self.ensure_one()
        Template = self.env["whatsapp.template"].with_context(active_test=False)
        existing = Template.search([("account_id", "=", self.id)])
        by_meta_id = {t.meta_id: t for t in existing}
        to_create, create_examples = [], []
        updated = 0
        seen = set()
        for parsed in parsed_templates:
            seen.add(parsed["meta_id"])
            vals = Template._vals_from_parsed(parsed)
            examples = vals.pop("_examples")
            template = by_meta_id.get(parsed["meta_id"])
            if template:
                template._update_from_parsed(vals, parsed, examples)
                updated += 1
            else:
                to_create.append(dict(vals, account_id=self.id))
                create_examples.append(examples)
        new_templates = Template.create(to_create)
        for template, examples in zip(new_templates, create_examples, strict=True):
            template._sync_variables(examples)
        gone = existing.filtered(lambda t: t.meta_id not in seen)
        gone.write({"status": "deleted"})
        self.last_template_sync = fields.Datetime.now()
        return len(new_templates), updated

    # -- webhook -----------------------------------------------------------
    @api.model
    def _match_signature(self, raw_body, signature):
        """Accounts whose app secret signed ``raw_body`` (empty when none did)."""
        accounts = self.sudo().search([("app_secret", "!=", False)])
        return accounts.filtered(
            lambda a: wa_webhook.verify_signature(a.app_secret, raw_body, signature)
        )

    @api.model
    def _match_verify_token(self, params):
        accounts = self.sudo().search([("webhook_verify_token", "!=", False)])
        return wa_webhook.verify_challenge(
            params, accounts.mapped("webhook_verify_token")
        )

    def _account_for(self, item):
        """Among ``self`` (signature-verified accounts), the one an item is for."""
        for account in self:
            if item.get("phone_number_id") == account.phone_number_id:
                return account
        for account in self:
            if item.get("waba_id") == account.business_account_id:
                return account
        return self.browse()

    def _process_webhook(self, parsed):
        """Ingest a parsed webhook body (see services.webhook.parse_payload).

        ``self`` holds the accounts whose secret verified the signature; items for
        other accounts are ignored. Idempotent: a replay writes nothing.
        """
        messages_by_account = {}
        for item in parsed["messages"]:
            account = self._account_for(item)
            if account and item.get("wamid"):
                messages_by_account.setdefault(account, []).append(item)
        for account, items in messages_by_account.items():
            account._process_inbound_messages(items)
        statuses = [s for s in parsed["statuses"] if self._account_for(s)]
        if statuses:
            self.env["whatsapp.message"].sudo()._process_statuses(
                statuses, accounts=self
            )
        for update in parsed["template_updates"]:
            account = self._account_for(update)
            if account:
                account._process_template_update(update)
        preferences_by_account = {}
        for item in parsed.get("preferences") or []:
            account = self._account_for(item)
            if account and (item.get("phone") or item.get("user_id")):
                preferences_by_account.setdefault(account, []).append(item)
        for account, items in preferences_by_account.items():
            account._process_user_preferences(items)

    # -- marketing preferences (Meta's user_preferences webhook) -------------
    def _preference_evidence(self, item):
        """History text of a stop/resume: Meta's detail and timestamp (UTC)."""
        self.ensure_one()
        when = item.get("timestamp")
        return self.env._(
            "WhatsApp (Meta) to %(number)s: %(detail)s (%(when)s UTC, %(value)s)",
            number=self.display_phone_number or self.phone_number_id,
            detail=item.get("detail") or item["value"],
            when=fields.Datetime.to_string(when) if when else "-",
            value=item["value"],
        )

    def _process_user_preferences(self, items):
        """A person stopped (withdraw) or resumed (grant, as their own act)
        WhatsApp marketing messages in the WhatsApp app.

        Idempotent: an event with the same evidence (Meta's detail and
        timestamp) is not recorded twice. A resume older than a withdrawal
        recorded after it (e.g. on the preferences page) is ignored; a stop
        always applies.
        """
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()
        keyed = []
        for index, item in enumerate(sorted(items, key=_preference_order)):
            keyed.append(dict(item, wamid=f"user_preferences:{index}"))
        stops = [i for i in keyed if i["value"] == "stop"]
        resumes = [i for i in keyed if i["value"] == "resume"]
        # a stop from an unknown number is kept on a new contact: it must hold
        # when the number is imported later; a resume needs a known contact
        partners = Partner._whatsapp_find_or_create(stops) if stops else {}
        partners.update(self._preference_partners(resumes))
        purpose = Partner._consent_get_purpose("whatsapp_marketing")
        Event = self.env["consent.event"].sudo()
        for item in keyed:
            partner = partners.get(item["wamid"])
            if not partner:
                continue
            description = self._preference_evidence(item)
            if Event.search_count(
                [
                    ("partner_id", "=", partner.id),
                    ("purpose_id", "=", purpose.id),
                    ("source", "=", "whatsapp"),
                    ("description", "=", description),
                ],
                limit=1,
            ):
                continue  # Meta delivered this notification before
            evidence = {"description": description}
            if item["value"] == "stop":
                partner._consent_withdraw(
                    "whatsapp_marketing", source="whatsapp", evidence=evidence
                )
                self._notify_preference(partner, "stop")
                continue
            record = (
                self.env["consent.record"]
                .sudo()
                .search(
                    [("partner_id", "=", partner.id), ("purpose_id", "=", purpose.id)],
                    limit=1,
                )
            )
            if record.state == "active":
                continue
            when = item.get("timestamp")
            if (
                record.state == "withdrawn"
                and when
                and record.withdrawn_at
                and record.withdrawn_at >= when
            ):
                _logger.info(
                    "WhatsApp resume of partner %s ignored: withdrawn later (%s)",
                    partner.id,
                    record.source,
                )
                continue
            # the person's own act in WhatsApp: re-activates a withdrawal
            partner._consent_grant(
                "whatsapp_marketing",
                legal_basis="consent",
                source="whatsapp",
                evidence=evidence,
            )
            self._notify_preference(partner, "resume")

    def _notify_preference(self, partner, value):
        """Tell the team in the contact's conversation, when there is one."""
        self.ensure_one()
        channel = (
            self.env["discuss.channel"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("whatsapp_account_id", "=", self.id),
                    ("whatsapp_partner_id", "=", partner.id),
                ],
                limit=1,
            )
        )
        if not channel:
            return
        env, _users = channel._whatsapp_team_env()
        if value == "stop":
            text = env._(
                "%(contact)s stopped marketing messages in WhatsApp: WhatsApp "
                "marketing consent withdrawn.",
                contact=partner.display_name,
            )
        else:
            text = env._(
                "%(contact)s resumed marketing messages in WhatsApp: WhatsApp "
                "marketing consent given again.",
                contact=partner.display_name,
            )
        channel.with_context(whatsapp_skip_send=True).message_post(
            body=Markup('<div class="o_mail_notification">%s</div>') % text,
            message_type="notification",
            subtype_xmlid="mail.mt_comment",
        )

    def _preference_partners(self, items):
        """``{key: partner}`` of the known contacts of preference items, found
        as an inbound message's contact is (so a stop and a resume from one
        number always reach the same contact)."""
        if not items:
            return {}
        by_phone, by_user = self.env["res.partner"].sudo()._whatsapp_find_known(items)
        result = {}
        for item in items:
            phone = "+" + item["phone"] if item.get("phone") else None
            user_id = item.get("user_id")
            match = (phone and by_phone.get(phone)) or (
                user_id and by_user.get(user_id)
            )
            if match:
                result[item["wamid"]] = match
        return result

    def _process_template_update(self, update):
        template = (
            self.env["whatsapp.template"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [("account_id", "=", self.id), ("meta_id", "=", update["template_id"])],
                limit=1,
            )
        )
        if not template:
            return
        vals = {}
        status = update.get("status")
        if status in wa_template.STATUSES and (
            template.status != status
            or (template.status_detail or None) != update.get("detail")
            or (template.rejection_reason or None) != update.get("reason")
        ):
            vals = {
                "status": status,
                "rejection_reason": update.get("reason") or False,
                "status_detail": update.get("detail") or False,
            }
        category = update.get("category")
        if category in wa_template.CATEGORIES and template.category != category:
            vals["category"] = category
        quality = update.get("quality")
        if quality in wa_template.QUALITY_RATINGS and template.quality_rating != (
            quality
        ):
            vals["quality_rating"] = quality
        if not vals:
            return
        old_status = template.status
        template.write(vals)
        if "status" in vals and vals["status"] != old_status:
            self._notify_template_status(template)

    def _notify_template_status(self, template):
        """A note on the account when Meta changes what may be sent."""
        self.ensure_one()
        # in the team's language: the webhook runs without a user language
        env = self.with_context(lang=self.sudo().user_ids[:1].lang or self.env.lang).env
        template = template.with_env(env)
        status = dict(template._fields["status"]._description_selection(env)).get(
            template.status
        )
        body = env._(
            "Meta set template %(template)s to %(status)s.",
            template=template.display_name,
            status=status,
        )
        reason = template._status_reason_text()
        if reason:
            body = Markup("%s<br/>%s") % (
                body,
                env._("Reason: %(reason)s", reason=reason),
            )
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _process_inbound_messages(self, items):
        self.ensure_one()
        Message = self.env["whatsapp.message"].sudo()
        known = set(
            Message.search([("meta_id", "in", [i["wamid"] for i in items])]).mapped(
                "meta_id"
            )
        )
        fresh, seen = [], set()
        for item in items:
            if item["wamid"] not in known and item["wamid"] not in seen:
                seen.add(item["wamid"])
                fresh.append(item)
        if not fresh:
            return Message
        partners = self.env["res.partner"].sudo()._whatsapp_find_or_create(fresh)
        channels = self._get_conversations(
            partners, {i["wamid"]: i for i in fresh}, fresh
        )
        vals_list = []
        for item in fresh:
            partner = partners[item["wamid"]]
            channel = channels[partner]
            attachments, media_error = self._download_media(item)
            mail_message = channel._whatsapp_post_inbound(
                partner, item, attachments, media_error
            )
            vals_list.append(
                {
                    "account_id": self.id,
                    "channel_id": channel.id,
                    "partner_id": partner.id,
                    "mail_message_id": mail_message.id,
                    "meta_id": item["wamid"],
                    "direction": "inbound",
                    "state": "received",
                    "body": item["body"],
                    "message_type": item["type"],
                    "recipient": item.get("phone") or item.get("user_id"),
                    "message_date": item.get("timestamp") or fields.Datetime.now(),
                    "failure_reason": media_error,
                    "attachment_id": mail_message.attachment_ids[:1].id,
                }
            )
        messages = Message.create(vals_list)
        self._process_opt_outs(messages)
        return messages

    def _opt_out_words(self):
        self.ensure_one()
        return {
            word.strip().casefold()
            for word in (self.opt_out_keywords or "").split(",")
            if word.strip()
        }

    def _process_opt_outs(self, messages):
        """Customers answering an opt-out word withdraw WhatsApp marketing consent."""
        self.ensure_one()
        words = self._opt_out_words()
        opting_out = messages.filtered(
            lambda m: (m.body or "").strip().casefold() in words
        )
        if not opting_out:
            return
        if self.is_opt_out_confirmed:
            for channel in opting_out.channel_id:
                self._send_opt_out_confirmation(channel)
        partners = opting_out.partner_id
        partners._consent_withdraw(
            "whatsapp_marketing",
            source="whatsapp",
            evidence={
                "description": self.env._(
                    "Opted out by replying on WhatsApp to %(number)s.",
                    number=self.display_phone_number or self.phone_number_id,
                )
            },
        )
        for message in opting_out:
            env, _users = message.channel_id._whatsapp_team_env()
            message.channel_id.with_context(whatsapp_skip_send=True).message_post(
                body=Markup('<div class="o_mail_notification">%s</div>')
                % env._(
                    "%(contact)s replied “%(word)s”: WhatsApp marketing consent "
                    "withdrawn. Marketing templates will no longer be sent to them.",
                    contact=message.partner_id.display_name,
                    word=(message.body or "").strip(),
                ),
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
            )

    def _opt_out_confirmation_text(self, partner):
        """The confirmation in the contact's language (the account's text, or
        the standard one)."""
        self.ensure_one()
        lang = partner.lang or self.env.lang
        account = self.with_context(lang=lang)
        return (account.opt_out_confirmation or "").strip() or account.env._(
            "You will no longer receive marketing messages from us on WhatsApp. "
            "Replies to your questions and messages about your orders still reach "
            "you here."
        )

    def _send_opt_out_confirmation(self, channel):
        """Answer an opt-out inside the window the customer's message opened."""
        self.ensure_one()
        channel = channel.sudo()
        if not channel.whatsapp_is_window_open or not channel.whatsapp_number:
            return self.env["whatsapp.message"]
        text = self._opt_out_confirmation_text(channel.whatsapp_partner_id)
        post = channel.with_context(whatsapp_skip_send=True).message_post(
            body=Markup("<br/>").join(text.splitlines()),
            author_id=self.env.ref("base.partner_root").id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return channel._whatsapp_queue_free_text(post)

    def _get_conversations(self, partners, items_by_wamid, items):
        """Conversation channel per partner for the inbound items (created if
        missing), with the reply window refreshed."""
        self.ensure_one()
        unique_partners = self.env["res.partner"].union(*partners.values())
        channels = self.env["discuss.channel"]._whatsapp_get_or_create(
            self, unique_partners
        )
        last_inbound = {}
        address = {}
        for item in items:
            partner = partners[item["wamid"]]
            when = item.get("timestamp") or fields.Datetime.now()
            if partner not in last_inbound or when > last_inbound[partner]:
                last_inbound[partner] = when
            address[partner] = item.get("phone") or item.get("user_id")
        for partner, when in last_inbound.items():
            channels[partner]._whatsapp_open_window(when, address[partner])
        return channels

    def _download_media(self, item):
        """``([(filename, content)], error text or None)`` for an inbound item."""
        media = item.get("media")
        if not media or not media.get("id"):
            return [], None
        try:
            content, mime = self._get_client().download_media(media["id"])
        except wa_client.WhatsAppError as exc:
            _logger.warning(
                "WhatsApp media %s could not be downloaded: %s", media["id"], exc
            )
            return [], self.env._(
                "The attached file could not be downloaded from Meta: %(reason)s",
                reason=exc.message,
            )
        filename = media.get("filename") or self._media_filename(
            item["type"], mime or media.get("mime_type"), media["id"]
        )
        return [(filename, content)], None

    @staticmethod
    def _media_filename(kind, mime, media_id):
        extension = ""
        if mime and "/" in mime:
            extension = "." + mime.split("/", 1)[1].split(";")[0].strip()
        return f"{kind}-{media_id}{extension}"

    # -- navigation --------------------------------------------------------
    def action_view_templates(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "whatsapp_business.whatsapp_template_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action

    def action_view_conversations(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "whatsapp_business.discuss_channel_whatsapp_action"
        )
        action["domain"] = [("whatsapp_account_id", "=", self.id)]
        return action

    def action_view_messages(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "whatsapp_business.whatsapp_message_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        return action
