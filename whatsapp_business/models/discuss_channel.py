import mimetypes
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime, html2plaintext

from odoo.addons.mail.tools.discuss import Store

from ..services import client as wa_client
from .concurrency import raise_serialization_failure

WINDOW_HOURS = 24
# Where a conversation's posts go and whether free text may be sent: written by
# the addon's own code (sudo) only, never by a member over RPC.
ROUTING_FIELDS = frozenset(
    {
        "whatsapp_account_id",
        "whatsapp_partner_id",
        "whatsapp_number",
        "whatsapp_last_inbound_date",
        "whatsapp_window_closed_date",
        "whatsapp_window_end",
        "whatsapp_message_ids",
    }
)


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    whatsapp_account_id = fields.Many2one(
        "whatsapp.account",
        string="WhatsApp Account",
        index=True,
        readonly=True,
        copy=False,
    )
    whatsapp_partner_id = fields.Many2one(
        "res.partner",
        string="WhatsApp Contact",
        index=True,
        readonly=True,
        copy=False,
    )
    whatsapp_number = fields.Char(
        string="WhatsApp Address",
        readonly=True,
        copy=False,
        help="Where replies go: the customer's number (digits with country code) or "
        "their Meta user id.",
    )
    whatsapp_last_inbound_date = fields.Datetime(
        string="Last Customer Message", readonly=True, copy=False
    )
    whatsapp_window_closed_date = fields.Datetime(
        string="Window Closed by Meta",
        readonly=True,
        copy=False,
        help="When Meta refused free text (error 131047) before the window's "
        "computed end; the customer's next message reopens it.",
    )
    whatsapp_window_end = fields.Datetime(
        string="Reply Window Ends",
        compute="_compute_whatsapp_window_end",
        store=True,
        help="Free text can be sent until 24 hours after the customer's last "
        "message; afterwards only approved templates.",
    )
    whatsapp_is_window_open = fields.Boolean(
        string="Reply Window Open",
        compute="_compute_whatsapp_is_window_open",
        search="_search_whatsapp_is_window_open",
    )
    whatsapp_message_ids = fields.One2many("whatsapp.message", "channel_id")
    whatsapp_display_number = fields.Char(
        string="WhatsApp Number", compute="_compute_whatsapp_display_number"
    )

    _sql_constraints = [
        (
            "whatsapp_conversation_unique",
            "unique(whatsapp_account_id, whatsapp_partner_id)",
            "A contact has one WhatsApp conversation per account.",
        )
    ]

    @api.depends("whatsapp_last_inbound_date", "whatsapp_window_closed_date")
    def _compute_whatsapp_window_end(self):
        for channel in self:
            last = channel.whatsapp_last_inbound_date
            end = last + timedelta(hours=WINDOW_HOURS) if last else False
            closed = channel.whatsapp_window_closed_date
            if end and closed and last <= closed < end:
                end = closed  # Meta knows better (its clock, its window)
            channel.whatsapp_window_end = end

    @api.depends("whatsapp_number")
    def _compute_whatsapp_display_number(self):
        for channel in self:
            channel.whatsapp_display_number = (
                channel._whatsapp_display_address()
                if channel.whatsapp_number
                else False
            )

    @api.depends("whatsapp_window_end")
    def _compute_whatsapp_is_window_open(self):
        now = fields.Datetime.now()
        for channel in self:
            channel.whatsapp_is_window_open = bool(
                channel.whatsapp_window_end and channel.whatsapp_window_end > now
            )

    def _search_whatsapp_is_window_open(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on the reply window."))
        is_open = (operator == "=") == bool(value)
        now = fields.Datetime.now()
        if is_open:
            return [("whatsapp_window_end", ">", now)]
        return [
            ("whatsapp_account_id", "!=", False),
            "|",
            ("whatsapp_window_end", "=", False),
            ("whatsapp_window_end", "<=", now),
        ]

    # -- routing fields ----------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        # checked on the result: defaults (default_* context, ir.default) arrive late
        # sudo: read only; portal users creating a chat cannot read whatsapp.message
        if not self.env.su and any(
            channel[fname] for channel in channels.sudo() for fname in ROUTING_FIELDS
        ):
            raise self._whatsapp_routing_error()
        return channels

    def write(self, vals):
        if not self.env.su and ROUTING_FIELDS.intersection(vals):
            raise self._whatsapp_routing_error()
        return super().write(vals)

    def _whatsapp_routing_error(self):
        return AccessError(
            self.env._(
                "Where a WhatsApp conversation is sent and its reply window are set "
                "by Odoo from Meta's messages; they cannot be changed by hand."
            )
        )

    # -- conversations -----------------------------------------------------
    @api.model
    def _whatsapp_get_or_create(self, account, partners):
        """``{partner: channel}``: the conversation of each partner with the
        account, created with the account users as members when missing."""
        Channel = self.sudo().with_context(active_test=False)
        channels = Channel.search(
            [
                ("whatsapp_account_id", "=", account.id),
                ("whatsapp_partner_id", "in", partners.ids),
            ]
        )
        result = {channel.whatsapp_partner_id: channel for channel in channels}
        user_partners = account.sudo().user_ids.partner_id
        # a conversation everybody left is handed back to the whole team
        abandoned = channels.filtered(
            lambda c: not (c.channel_member_ids.partner_id & user_partners)
        )
        for channel in abandoned:
            channel._add_members(partners=user_partners, post_joined_message=False)
        missing = partners.filtered(lambda p: p not in result)
        if missing:
            try:
                # the unique index makes a concurrent creator wait for the first
                with self.env.cr.savepoint():
                    new_channels = Channel.create(
                        [
                            {
                                "name": partner.display_name,
                                "channel_type": "group",
                                "whatsapp_account_id": account.id,
                                "whatsapp_partner_id": partner.id,
                                "whatsapp_number": partner._whatsapp_address(),
                                "channel_member_ids": [
                                    Command.create({"partner_id": user_partner.id})
                                    for user_partner in user_partners
                                ],
                            }
                            for partner in missing
                        ]
                    )
            except pg_errors.UniqueViolation as exc:
                if (
                    exc.diag.constraint_name
                    != "discuss_channel_whatsapp_conversation_unique"
                ):
                    raise
                # created by a request committed since our snapshot: Odoo retries
                # a serialization failure (not an integrity error), and the retry
                # finds that conversation
                raise_serialization_failure(self.env.cr)
            for partner, channel in zip(missing, new_channels, strict=True):
                result[partner] = channel
                channel.description = channel._whatsapp_window_description()
                channel._broadcast(channel.channel_member_ids.partner_id.ids)
        return result

    # -- Discuss web client --------------------------------------------------
    def _to_store(self, store: Store):
        """WhatsApp conversations tell Discuss they are WhatsApp (own sidebar
        category, template button) and when the 24-hour window ends; for
        internal users only (an invited portal user sees a plain group chat)."""
        super()._to_store(store)
        if not self.env.user._is_internal():
            return
        for channel in self.filtered("whatsapp_account_id"):
            store.add(channel, channel._whatsapp_store_values())

    def _whatsapp_store_values(self):
        self.ensure_one()
        return {
            "whatsapp_conversation": True,
            "whatsapp_display_number": self.whatsapp_display_number or False,
            "whatsapp_window_end": fields.Datetime.to_string(self.whatsapp_window_end),
        }

    def _whatsapp_send_window_to_members(self):
        """Push the new window end to the internal members, live (the portal
        members of a conversation never receive WhatsApp fields)."""
        for channel in self.sudo():
            partners = channel.channel_member_ids.partner_id.filtered(
                lambda p: p.user_ids and all(u._is_internal() for u in p.user_ids)
            )
            if partners:
                partners._bus_send_store(channel, channel._whatsapp_store_values())

    def _whatsapp_open_window(self, when, address=None):
        """An inbound message at ``when`` (re)opens the 24-hour reply window."""
        for channel in self:
            vals = {}
            last = channel.whatsapp_last_inbound_date
            if not last or when > last:
                vals["whatsapp_last_inbound_date"] = when
            if address and address != channel.whatsapp_number:
                vals["whatsapp_number"] = address
            if vals:
                channel.sudo().write(vals)
                channel.sudo().description = channel._whatsapp_window_description()
                channel._whatsapp_send_window_to_members()

    def _whatsapp_close_window(self):
        """Meta refused free text (131047): the window is closed from now on."""
        now = fields.Datetime.now()
        for channel in self.sudo().filtered("whatsapp_account_id"):
            if channel.whatsapp_window_end and channel.whatsapp_window_end <= now:
                continue
            channel.whatsapp_window_closed_date = now
            channel.description = channel._whatsapp_window_description()
            channel._whatsapp_send_window_to_members()  # the banner shows at once

    def _whatsapp_team_env(self):
        """Environment in the language of the account's team: texts stored in the
        conversation are read by them, not by whoever triggered the webhook."""
        users = self.whatsapp_account_id.sudo().user_ids
        lang = users[:1].lang or self.env.lang
        return self.with_context(lang=lang).env, users

    def _whatsapp_window_description(self):
        """Conversation header: where replies go and until when free text is allowed."""
        self.ensure_one()
        env, users = self._whatsapp_team_env()
        address = self._whatsapp_display_address()
        if not self.whatsapp_window_end:
            return env._(
                "WhatsApp %(address)s · the customer has not written yet: only "
                "approved templates",
                address=address,
            )
        tz = users[:1].tz or self.env.user.tz or "UTC"
        end = format_datetime(env, self.whatsapp_window_end, tz=tz, dt_format="short")
        return env._(
            "WhatsApp %(address)s · free text until %(end)s (%(tz)s)",
            address=address,
            end=end,
            tz=tz,
        )

    def _whatsapp_display_address(self):
        self.ensure_one()
        address = self.whatsapp_number or ""
        if address.isdigit():
            formatted = self.env["res.partner"]._phone_format(
                number="+" + address, force_format="INTERNATIONAL"
            )
            return formatted or "+" + address
        return address

    def _whatsapp_post_inbound(self, partner, item, attachments, media_error=None):
        """Post an inbound WhatsApp message in this conversation as the customer."""
        self.ensure_one()
        env, _users = self._whatsapp_team_env()
        text = item.get("body") or ""
        if item.get("type") == "reaction":
            text = (
                env._("Reacted %(emoji)s", emoji=text)
                if text
                else env._("Removed their reaction")
            )
        elif item.get("type") == "order" and text:
            text = env._("Order:\n%(items)s", items=text)
        elif item.get("type") == "unsupported":
            text = env._(
                "[A message WhatsApp does not pass on to businesses: %(reason)s]",
                reason=text or "-",
            )
        elif not text and not attachments:
            text = env._("[%(type)s message]", type=item.get("type") or "?")
        lines = text.splitlines() or [""]
        body = Markup("<br/>").join(lines)
        if media_error:
            body += Markup("<br/><em>%s</em>") % media_error
        parent = False
        if item.get("context_id"):
            parent = (
                self.env["whatsapp.message"]
                .sudo()
                .search([("meta_id", "=", item["context_id"])], limit=1)
                .mail_message_id.id
            )
        return (
            self.sudo()
            .with_context(whatsapp_skip_send=True)
            .message_post(
                body=body,
                author_id=partner.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                attachments=attachments,
                parent_id=parent,
            )
        )

    # -- sending from Discuss ----------------------------------------------
    def _whatsapp_sends_post(self, message_type):
        return bool(
            len(self) == 1
            and self.whatsapp_account_id
            and message_type == "comment"
            and not self.env.context.get("whatsapp_skip_send")
        )

    def message_post(self, *, message_type="notification", **kwargs):
        sends = self._whatsapp_sends_post(message_type)
        if sends:
            self._whatsapp_check_free_text(kwargs)
        message = super().message_post(message_type=message_type, **kwargs)
        if sends:
            self._whatsapp_queue_free_text(message)
        return message

    def _whatsapp_check_free_text(self, post_kwargs):
        self.ensure_one()
        if not self.env.user._is_internal():
            # an invited portal user or guest never writes from the company number
            raise AccessError(self.env._("Only internal users can answer on WhatsApp."))
        self._whatsapp_check_files(post_kwargs)
        if not self.whatsapp_number:
            raise UserError(
                self.env._(
                    "%(contact)s has no WhatsApp number.",
                    contact=self.whatsapp_partner_id.display_name,
                )
            )
        if not self.whatsapp_is_window_open:
            if self.whatsapp_window_end:
                reason = self.env._(
                    "The 24-hour reply window closed on %(end)s.",
                    end=format_datetime(self.env, self.whatsapp_window_end),
                )
            else:
                reason = self.env._("The customer has not written to you yet.")
            raise UserError(
                self.env._(
                    "%(reason)s WhatsApp only allows free text within 24 hours of the "
                    "customer's last message. Send an approved template instead "
                    "(Send WhatsApp on the contact).",
                    reason=reason,
                )
            )

    def _whatsapp_check_files(self, post_kwargs):
        """Refuse files WhatsApp would not take before anything is posted."""
        attachments = self.env["ir.attachment"].browse(
            post_kwargs.get("attachment_ids") or []
        )
        if not self.env.su:
            # the queue uploads them with sudo (the Discuss route posts with sudo
            # after core checked the attachments itself)
            try:
                attachments.check_access("read")
                attachments.check("read")
            except AccessError as exc:
                raise AccessError(
                    self.env._(
                        "You cannot send a file on WhatsApp that you are not "
                        "allowed to read."
                    )
                ) from exc
        files = [(att.name, att.mimetype, att.file_size) for att in attachments.sudo()]
        for attachment in post_kwargs.get("attachments") or []:
            name, content = attachment[0], attachment[1]
            size = len(content.encode() if isinstance(content, str) else content)
            files.append((name, mimetypes.guess_type(name)[0], size))
        for name, mimetype, size in files:
            limit = wa_client.MEDIA_LIMITS[wa_client.media_kind(mimetype)]
            if size > limit:
                raise UserError(
                    self.env._(
                        "%(file)s is too large for WhatsApp (at most %(limit)s MB for "
                        "this kind of file).",
                        file=name,
                        limit=limit // (1024 * 1024),
                    )
                )

    def _whatsapp_queue_free_text(self, message):
        """Queue the text of a Discuss post and each of its files."""
        self.ensure_one()
        text = html2plaintext(message.body or "").strip()
        parent = message.parent_id
        reply_to = False
        if parent:
            reply_to = (
                self.env["whatsapp.message"]
                .sudo()
                .search([("mail_message_id", "=", parent.id)], limit=1)
                .meta_id
            )
        common = {
            "account_id": self.whatsapp_account_id.id,
            "channel_id": self.id,
            "partner_id": self.whatsapp_partner_id.id,
            "mail_message_id": message.id,
            "direction": "outbound",
            "state": "outgoing",
            "recipient": self.whatsapp_number,
            "reply_to_meta_id": reply_to or False,
        }
        vals_list = []
        if text:
            vals_list.append(dict(common, message_type="text", body=text))
        for attachment in message.sudo().attachment_ids.sorted("id"):
            vals_list.append(
                dict(
                    common,
                    message_type=wa_client.media_kind(attachment.mimetype),
                    body=attachment.name,
                    attachment_id=attachment.id,
                )
            )
        wa_messages = self.env["whatsapp.message"].sudo().create(vals_list)
        if wa_messages:
            wa_messages._trigger_queue()
        return wa_messages

    # -- actions -----------------------------------------------------------
    def action_whatsapp_join(self):
        """Account users may (re)join a conversation they can read."""
        self.ensure_one()
        self.check_access("read")
        if not self.whatsapp_account_id:
            raise UserError(self.env._("This is not a WhatsApp conversation."))
        # sudo: discuss.channel.member - group channels only let members invite
        self.sudo()._add_members(users=self.env.user)

    def action_whatsapp_leave(self):
        self.ensure_one()
        self.check_access("read")
        self.action_unfollow()

    def action_whatsapp_send_template(self):
        """The Send WhatsApp wizard for the conversation's contact and account
        (the composer's template button and the closed-window banner)."""
        self.ensure_one()
        if not self.env.user._is_internal():
            raise AccessError(self.env._("WhatsApp is for internal users only."))
        self.check_access("read")
        if not self.whatsapp_account_id:
            raise UserError(self.env._("This is not a WhatsApp conversation."))
        action = self.whatsapp_partner_id.action_send_whatsapp()
        # called by the web client's ORM service, which does not add the views
        action.setdefault("views", [(False, "form")])
        action["context"] = dict(
            action.get("context") or {},
            default_account_id=self.whatsapp_account_id.id,
            whatsapp_from_discuss=True,
        )
        return action

    def action_open_discuss(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.client",
            "tag": "mail.action_discuss",
            "params": {"active_id": f"discuss.channel_{self.id}"},
        }
