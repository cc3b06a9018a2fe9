import re
import time
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, consteq, str2bool

from ..services import hashing, history_csv, token
from .consent_record import MERGED_FIELDS

PRIVACY_PARAM = "consent_management.emarketing_privacy"
LINK_VALIDITY_PARAM = "consent_management.double_opt_in_validity_days"
EMARKETING = "emarketing"
LINK_ACTIONS = ("confirm", "withdraw")
PURPOSE_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}", re.ASCII)
MAX_PARTNER_ID = 2**31 - 1  # PostgreSQL integer
# The numbers on which a marketing purpose of each channel reaches a contact.
CHANNEL_NUMBER_FIELDS = {
    "whatsapp": ("mobile", "phone"),
    "sms": ("mobile",),
    "phone": ("phone", "mobile"),
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    consent_record_ids = fields.One2many(
        "consent.record", "partner_id", string="Legal bases"
    )
    consent_event_ids = fields.One2many(
        "consent.event", "partner_id", string="Consent history"
    )
    consent_record_count = fields.Integer(
        string="Legal basis count", compute="_compute_consent_record_count"
    )
    emarketing_state = fields.Selection(
        [("none", "No record"), ("active", "Active"), ("withdrawn", "Withdrawn")],
        string="E-marketing consent",
        compute="_compute_emarketing_state",
        store=True,
        index=True,
        tracking=True,
        help="Standing of the contact for the E-marketing purpose. An expired "
        "consent counts as no record.",
    )
    is_marketing_protected = fields.Boolean(
        string="Protected from marketing (Robinson)",
        tracking=True,
        copy=False,
        # the recipient filters of every marketing send-out look it up
        index=True,
        help="The person is protected from marketing, as by the Robinson marking "
        "(reklamebeskyttelse) in the Danish CPR register: no marketing calls. "
        "Only a Consent officer can clear the mark.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        # Every contact has its legal basis from birth, not from the next run.
        self.env["consent.initializer"]._apply_to_new_partners(partners)
        return partners

    def write(self, vals):
        if "is_marketing_protected" in vals and not vals["is_marketing_protected"]:
            self._consent_check_may_clear_protection()
        return super().write(vals)

    def _consent_check_may_clear_protection(self):
        """Clearing the Robinson mark lifts a protection the person asked
        for: only a Consent officer (or server code) may do it."""
        if self.env.su or self.env.user.has_group(
            "consent_management.group_consent_officer"
        ):
            return
        if any(self.sudo().mapped("is_marketing_protected")):
            raise AccessError(
                self.env._(
                    "Only a Consent officer can remove the protection from "
                    "marketing of a contact."
                )
            )

    @api.depends("consent_record_ids")
    def _compute_consent_record_count(self):
        counts = dict(
            self.env["consent.record"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.consent_record_count = counts.get(partner, 0)

    @api.depends("consent_record_ids.state", "consent_record_ids.purpose_id.code")
    def _compute_emarketing_state(self):
        for partner in self:
            record = partner.consent_record_ids.filtered(
                lambda r: r.purpose_id.code == EMARKETING
            )[:1]
            partner.emarketing_state = (
                record.state if record.state in ("active", "withdrawn") else "none"
            )

    # ------------------------------------------------------------------
    # Public API other addons call (listed in readme/USAGE.md, "Public API")
    # ------------------------------------------------------------------
    @api.model
    def _consent_privacy_enabled(self):
        """Return True when the e-marketing privacy switch is on in Settings."""
        value = self.env["ir.config_parameter"].sudo().get_param(PRIVACY_PARAM)
        return str2bool(value or "False", default=False)

    @api.model
    def _consent_get_purpose(self, purpose_code):
        purpose = (
            self.env["consent.purpose"]
            .sudo()
            .with_context(active_test=False)
            .search([("code", "=", purpose_code)], limit=1)
        )
        if not purpose:
            raise UserError(
                self.env._(
                    "There is no consent purpose with code %(code)s.", code=purpose_code
                )
            )
        return purpose

    @api.model
    def _consent_allowed_ids_query(self, purpose_code):
        """SQL selecting the ids of partners with an ACTIVE record for the purpose.

        Embed it in your own set-based query, e.g. ``WHERE p.id IN (%s)``.
        Records whose ``expires_on`` is past count as not active even before
        the expiry cron ran. For a marketing purpose, contacts protected from
        marketing (the Robinson mark) are never selected, whatever their record
        says: see :meth:`_consent_protected_ids_query`.
        """
        Record = self.env["consent.record"]
        return SQL(
            """SELECT cr.partner_id
                 FROM consent_record cr
                 JOIN consent_purpose cp ON cp.id = cr.purpose_id
                WHERE cp.code = %(code)s
                  AND cr.state = 'active'
                  AND (cr.expires_on IS NULL OR cr.expires_on >= CURRENT_DATE)
                  AND (cp.is_marketing IS NOT TRUE
                       OR cr.partner_id NOT IN (%(protected)s))
                  %(flush_state)s%(flush_expiry)s%(flush_purpose)s%(flush_mk)s""",
            code=purpose_code,
            protected=self._consent_protected_ids_query(),
            flush_state=SQL("", to_flush=Record._fields["state"]),
            flush_expiry=SQL("", to_flush=Record._fields["expires_on"]),
            flush_purpose=SQL("", to_flush=Record._fields["purpose_id"]),
            flush_mk=SQL(
                "", to_flush=self.env["consent.purpose"]._fields["is_marketing"]
            ),
        )

    @api.model
    def _consent_protected_ids_query(self):
        """SQL selecting the ids of partners protected from marketing (the
        Robinson mark, ``is_marketing_protected``): no marketing on any channel
        reaches them, consent or not. Uses the field's index."""
        return SQL(
            "SELECT p.id FROM res_partner p WHERE p.is_marketing_protected%s",
            SQL("", to_flush=self._fields["is_marketing_protected"]),
        )

    def _consent_filter_allowed(self, purpose_code):
        """Return the subset of ``self`` that may receive marketing for the purpose.

        Kept: the partners with an active record for the purpose and without
        the Robinson mark (``is_marketing_protected``); the reason a partner is
        left out is :meth:`_consent_exclusion_reasons`. ``self`` is returned
        unchanged when the privacy switch is off or the purpose is not a
        marketing purpose. One query, whatever the size of self.
        """
        if not self or not self._consent_privacy_enabled():
            return self
        Purpose = self.env["consent.purpose"]
        # One row: is the purpose marketing (NULL: unknown code), allowed ids.
        [(is_marketing, allowed_ids)] = self.env.execute_query(
            SQL(
                """SELECT cp.is_marketing,
                          ARRAY(SELECT pid FROM unnest(%(ids)s::int[]) AS pid
                                 WHERE pid IN (%(allowed)s))
                     FROM (SELECT 1) AS one
                LEFT JOIN consent_purpose cp ON cp.code = %(code)s%(flush)s""",
                ids=list(self._ids),
                allowed=self._consent_allowed_ids_query(purpose_code),
                code=purpose_code,
                flush=SQL("", to_flush=Purpose._fields["is_marketing"]),
            )
        )
        if is_marketing is None:
            self._consent_get_purpose(purpose_code)  # raises a clear UserError
        if not is_marketing:
            return self
        allowed = set(allowed_ids)
        return self.browse([pid for pid in self._ids if pid in allowed])

    def _consent_exclusion_reasons(self, purpose_code):
        """``{partner_id: reason}`` for the partners of ``self`` that
        :meth:`_consent_filter_allowed` leaves out, the reason readable (in
        the environment's language) for a trace, a failed message or an
        error: the Robinson mark first, then a withdrawal, then no consent.
        Two queries, whatever the size of self."""
        excluded = self - self._consent_filter_allowed(purpose_code)
        if not excluded:
            return {}
        purpose = self._consent_get_purpose(purpose_code).with_context(
            lang=self.env.lang
        )
        withdrawn = set(
            self.env["consent.record"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", excluded.ids),
                    ("purpose_id", "=", purpose.id),
                    ("state", "=", "withdrawn"),
                ]
            )
            .partner_id.ids
        )
        protected_reason = self.env._("protected from marketing (Robinson)")
        withdrawn_reason = self.env._("withdrew from %(purpose)s", purpose=purpose.name)
        missing_reason = self.env._("no consent to %(purpose)s", purpose=purpose.name)
        reasons = {}
        for partner in excluded.sudo():
            if partner.is_marketing_protected:
                reasons[partner.id] = protected_reason
            elif partner.id in withdrawn:
                reasons[partner.id] = withdrawn_reason
            else:
                reasons[partner.id] = missing_reason
        return reasons

    def _consent_reachable_purposes(self):
        """The marketing purposes of channels other than e-mail that can reach
        this one contact (sudo): WhatsApp with a mobile or phone number, SMS
        with a mobile, phone marketing with a phone or mobile. A purpose the
        contact has an active record for stays listed without a number, so the
        person can still withdraw it. The preferences page offers these;
        override to know better (e.g. a number checked with WhatsApp)."""
        self.ensure_one()
        partner = self.sudo()
        purposes = (
            self.env["consent.purpose"]
            .sudo()
            .search(
                [
                    ("is_marketing", "=", True),
                    ("channel", "in", list(CHANNEL_NUMBER_FIELDS)),
                ]
            )
        )
        active = partner.consent_record_ids.filtered(
            lambda r: r.state == "active"
        ).purpose_id
        return purposes.filtered(
            lambda p: (
                p in active
                or any(partner[fname] for fname in CHANNEL_NUMBER_FIELDS[p.channel])
            )
        )

    def _consent_may_send(self, purpose_code):
        """May this one partner be sent marketing for the purpose?"""
        self.ensure_one()
        return bool(self._consent_filter_allowed(purpose_code))

    def _consent_grant(
        self,
        purpose_code,
        legal_basis="consent",
        source="manual",
        evidence=None,
        event_type=None,
    ):
        """Create or re-activate the records of ``self`` for the purpose.

        Logs ``grant`` events (``change`` for records that were already active,
        or ``event_type`` when given, e.g. ``confirm``). Returns the records.
        """
        Record = self.env["consent.record"].sudo()
        if not self:
            return Record
        purpose = self._consent_get_purpose(purpose_code)
        evidence = dict(evidence or {})
        now = fields.Datetime.now()
        vals = {
            "legal_basis": legal_basis,
            "state": "active",
            "source": source,
            "captured_at": now,
            "captured_by_id": self.env.user.id,
            "withdrawn_at": False,
            "expires_on": (
                fields.Date.context_today(self)
                + relativedelta(months=purpose.validity_months)
                if purpose.validity_months and legal_basis == "consent"
                else False
            ),
        }
        for key in ("ip_address", "user_agent", "consent_text", "consent_text_version"):
            vals[key] = evidence.get(key) or False
        if not vals["consent_text"] and legal_basis == "consent":
            vals["consent_text"] = purpose.consent_text or False
            vals["consent_text_version"] = (
                vals["consent_text_version"] or purpose.consent_text_version or False
            )
        existing = Record.search(
            [("partner_id", "in", self.ids), ("purpose_id", "=", purpose.id)]
        )
        ctx = {
            "consent_evidence": evidence,
            # never a caller's context: an RPC context could name the event
            # "confirm" or burn someone's link with its digest
            "consent_event_type": event_type,
            "consent_token_digest": self.env.su
            and self.env.context.get("consent_token_digest"),
        }
        existing.with_context(**ctx).write(vals)
        missing = set(self.ids) - set(existing.partner_id.ids)
        created = Record.with_context(**ctx).create(
            [
                dict(vals, partner_id=partner_id, purpose_id=purpose.id)
                for partner_id in sorted(missing)
            ]
        )
        return existing | created

    def _consent_withdraw(self, purpose_code, source="manual", evidence=None):
        """Withdraw ``self`` for the purpose (creating withdrawn records if needed).

        Logs ``withdraw`` events, then calls :meth:`_consent_on_withdrawn` for
        the partners whose standing actually changed. Returns the records.
        """
        Record = self.env["consent.record"].sudo()
        if not self:
            return Record
        purpose = self._consent_get_purpose(purpose_code)
        evidence = dict(evidence or {})
        ctx = {
            "consent_evidence": evidence,
            "consent_event_type": "withdraw",
            "consent_token_digest": self.env.su
            and self.env.context.get("consent_token_digest"),
        }
        existing = Record.search(
            [("partner_id", "in", self.ids), ("purpose_id", "=", purpose.id)]
        )
        to_change = existing.filtered(lambda r: r.state != "withdrawn")
        unchanged = existing - to_change
        to_change.with_context(**ctx).write(
            {
                "state": "withdrawn",
                "source": source,
                "withdrawn_at": fields.Datetime.now(),
            }
        )
        missing = set(self.ids) - set(existing.partner_id.ids)
        created = Record.with_context(**ctx).create(
            [
                {
                    "partner_id": partner_id,
                    "purpose_id": purpose.id,
                    "legal_basis": purpose.default_legal_basis,
                    "state": "withdrawn",
                    "source": source,
                    "withdrawn_at": fields.Datetime.now(),
                }
                for partner_id in sorted(missing)
            ]
        )
        if unchanged:
            # A repeated withdrawal is still evidence of the person's wish.
            unchanged.partner_id._consent_log_event(
                purpose_code, "withdraw", source, evidence
            )
        changed = (to_change | created).partner_id
        if changed:
            changed._consent_on_withdrawn(purpose, source)
        return existing | created

    def _consent_on_withdrawn(self, purpose, source):
        """Hook called with the partners whose standing became withdrawn.

        No-op here; other addons override it (e.g. to plan an activity). A
        caller that plans its own, more specific follow-up for the salesperson
        withdraws with the context key ``consent_followup_planned``; overrides
        that would plan a generic one skip it then.
        """
        return None

    def _consent_log_event(self, purpose_code, event_type, source, evidence=None):
        """Append history events for ``self`` without changing their records."""
        Event = self.env["consent.event"].sudo()
        if not self:
            return Event
        purpose = self._consent_get_purpose(purpose_code)
        evidence = dict(evidence or {})
        records = {
            record.partner_id.id: record
            for record in self.env["consent.record"]
            .sudo()
            .search([("partner_id", "in", self.ids), ("purpose_id", "=", purpose.id)])
        }
        vals_list = []
        for partner_id in dict.fromkeys(self.ids):
            record = records.get(partner_id)
            vals = {
                "partner_id": partner_id,
                "purpose_id": purpose.id,
                "record_id": record.id if record else False,
                "event_type": event_type,
                "legal_basis": record.legal_basis if record else False,
                "state": record.state if record else False,
                "source": source,
            }
            for key in (
                "ip_address",
                "user_agent",
                "consent_text",
                "consent_text_version",
                "description",
            ):
                vals[key] = evidence.get(key) or False
            if self.env.context.get("consent_token_digest"):
                vals["token_digest"] = self.env.context["consent_token_digest"]
            vals_list.append(vals)
        return Event.create(vals_list)

    # ------------------------------------------------------------------
    # Merging contacts
    # ------------------------------------------------------------------
    def _consent_merge_into(self, dst_partner):
        """Merge the consent of ``self`` into ``dst_partner`` (most restrictive wins).

        Called by Odoo's merge wizard (``base.partner.merge.automatic.wizard``)
        before it moves foreign keys and deletes ``self``. Per purpose:
        withdrawn beats active beats expired beats no record; among equals the
        strongest evidence wins (:meth:`consent.record._consent_evidence_strength`).
        ``dst_partner`` keeps one record per purpose holding the winner's
        standing and evidence, every history event of ``self`` moves to it,
        and one ``merge`` event per purpose names the merged contacts.

        Extension point: override, call ``super()`` and merge what your addon
        keeps per contact (e.g. subscription types); ``self`` still exists.
        """
        src = self - dst_partner
        if not src:
            return
        dst_partner.ensure_one()
        Record = self.env["consent.record"].sudo()
        self.env.flush_all()
        description = self.env._(
            "Merged with contact %(contacts)s.",
            contacts=", ".join(f"{p.display_name} (#{p.id})" for p in src),
        )
        ctx = {
            "consent_event_type": "merge",
            "consent_evidence": {"description": description},
        }
        records = Record.search([("partner_id", "in", (src | dst_partner).ids)])
        for group in records.grouped("purpose_id").values():
            winner = max(group, key=lambda r: r._consent_merge_key())
            kept = group.filtered(lambda r: r.partner_id == dst_partner)
            if kept and kept != winner:
                vals = winner._convert_to_write(
                    {name: winner[name] for name in MERGED_FIELDS}
                )
                kept.with_context(**ctx).write(vals)
                (group - kept).unlink()
            else:
                (group - winner).unlink()
                if winner.partner_id != dst_partner:
                    winner.write({"partner_id": dst_partner.id})
                winner.with_context(**ctx)._log_events()
        # Both histories stay on the kept contact, linked to its records.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE consent_event e
                      SET partner_id = %(dst)s,
                          record_id = (SELECT r.id FROM consent_record r
                                        WHERE r.partner_id = %(dst)s
                                          AND r.purpose_id = e.purpose_id)
                    WHERE e.partner_id IN %(src)s""",
                dst=dst_partner.id,
                src=tuple(src.ids),
            )
        )
        self.env["consent.event"].invalidate_model(["partner_id", "record_id"])
        (src | dst_partner).invalidate_recordset(
            ["consent_event_ids", "consent_record_ids"]
        )

    # ------------------------------------------------------------------
    # Double opt-in links
    # ------------------------------------------------------------------
    @api.model
    def _consent_link_secret(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.secret")

    def _consent_signed_path(self, purpose_code, action="confirm", validity_days=None):
        """Path of a signed, single-use link for this contact and purpose.

        ``action`` is ``confirm`` (double opt-in) or ``withdraw`` (e.g. for a
        footer of marketing messages); the action is part of the signature.
        """
        if action not in LINK_ACTIONS:
            raise UserError(
                self.env._("Unknown consent link action %(action)s.", action=action)
            )
        self.ensure_one()
        if validity_days is None:
            validity_days = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(LINK_VALIDITY_PARAM, "14")
            )
        expires_at = int(time.time() + timedelta(days=validity_days).total_seconds())
        signature = token.sign(
            self._consent_link_secret(), self.id, purpose_code, expires_at, action
        )
        return f"/consent/{action}/{self.id}/{purpose_code}/{expires_at}/{signature}"

    def _consent_signed_url(self, purpose_code, action="confirm", validity_days=None):
        self.ensure_one()
        return self.get_base_url() + self._consent_signed_path(
            purpose_code, action=action, validity_days=validity_days
        )

    @api.model
    def _consent_check_link(
        self, partner_id, purpose_code, expires_at, signature, action="confirm"
    ):
        """Return (status, partner, purpose) for a link; status is valid/invalid/
        expired/used. Nothing is written."""
        if not (
            isinstance(purpose_code, str)
            and PURPOSE_CODE.fullmatch(purpose_code)
            and 0 < int(partner_id) <= MAX_PARTNER_ID
        ):
            # No signed link looks like this; never let it reach a query.
            return token.INVALID, self.browse(), self.env["consent.purpose"]
        status = token.verify(
            self._consent_link_secret(),
            partner_id,
            purpose_code,
            expires_at,
            signature,
            time.time(),
            action=action,
            compare=consteq,
        )
        partner = self.sudo().browse(int(partner_id)).exists()
        purpose = (
            self.env["consent.purpose"]
            .sudo()
            .search([("code", "=", purpose_code)], limit=1)
        )
        if status == token.VALID and not (partner and purpose):
            status = token.INVALID
        if status == token.VALID and self.env["consent.event"].sudo().search_count(
            [("token_digest", "=", token.digest(signature))], limit=1
        ):
            status = "used"
        return status, partner, purpose

    def _consent_check_may_request(self, purpose):
        """After a withdrawal only a Consent officer may ask again: anyone else
        could point the contact's address at their own mailbox, confirm the
        link and pass it off as the person's own act."""
        if self.env.su or self.env.user.has_group(
            "consent_management.group_consent_officer"
        ):
            return
        withdrawn = (
            self.env["consent.record"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.ids),
                    ("purpose_id", "=", purpose.id),
                    ("state", "=", "withdrawn"),
                ]
            )
        )
        if withdrawn:
            raise AccessError(
                self.env._(
                    "%(contacts)s withdrew from %(purpose)s. Only a Consent "
                    "officer may ask them for consent again.",
                    contacts=", ".join(withdrawn.partner_id.mapped("display_name")),
                    purpose=purpose.name,
                )
            )

    def _consent_send_request(self, purpose_code, evidence=None):
        """E-mail a signed double opt-in link to each partner having an address.

        Logs a ``request`` event and a chatter note (without the link, so that
        nobody reading the chatter can confirm in the person's name).
        Returns the partners that were e-mailed.
        """
        purpose = self._consent_get_purpose(purpose_code)
        self._consent_check_may_request(purpose)
        partners = self.filtered("email")
        if not partners:
            return partners
        template = self.env.ref("consent_management.mail_template_consent_request")
        for partner in partners:
            template.with_context(
                consent_url=partner._consent_signed_url(purpose_code),
                consent_purpose_name=purpose.with_context(
                    lang=partner.lang or self.env.lang
                ).name,
            ).send_mail(partner.id, email_values={"auto_delete": True})
        partners._consent_log_event(purpose_code, "request", "email", evidence)
        partners._message_log_batch(
            bodies={
                partner.id: self.env._(
                    "Consent for %(purpose)s requested by e-mail.",
                    purpose=purpose.name,
                )
                for partner in partners
            }
        )
        return partners

    # ------------------------------------------------------------------
    # UI actions
    # ------------------------------------------------------------------
    @api.model
    def _consent_check_internal_user(self):
        """Consent actions are for employees: portal and public users (who can
        call any public method over JSON-RPC) are refused before anything runs."""
        if not self.env.user._is_internal():
            raise AccessError(
                self.env._("Only internal users can manage the consent of contacts.")
            )

    def _consent_open_wizard(self, operation):
        self._consent_check_internal_user()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "res_model": "consent.action.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_ids": self.ids,
                "default_operation": operation,
            },
        }

    def action_consent_grant(self):
        return self._consent_open_wizard("grant")

    def action_consent_withdraw(self):
        return self._consent_open_wizard("withdraw")

    def action_consent_request(self):
        return self._consent_open_wizard("request")

    def action_consent_open_records(self):
        self._consent_check_internal_user()
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "consent_management.consent_record_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def _consent_history_csv(self):
        """CSV text of the consent history of ``self``, oldest event first."""
        events = (
            self.env["consent.event"]
            .sudo()
            .search([("partner_id", "in", self.ids)], order="create_date, id")
        )

        def label(event, name):
            return dict(event._fields[name]._description_selection(self.env)).get(
                event[name], event[name] or ""
            )

        channels = dict(
            self.env["consent.purpose"]
            ._fields["channel"]
            ._description_selection(self.env)
        )

        rows = [
            {
                "date": fields.Datetime.to_string(event.create_date),
                "purpose": event.purpose_id.name,
                "event_type": label(event, "event_type"),
                "legal_basis": label(event, "legal_basis"),
                "state": label(event, "state"),
                "source": label(event, "source"),
                "user": event.user_id.name,
                "ip_address": event.ip_address,
                "user_agent": event.user_agent,
                "consent_text_version": event.consent_text_version,
                "consent_text": event.consent_text,
                "description": event.description,
                "channel": channels.get(event.purpose_id.channel, ""),
            }
            for event in events
        ]
        headers = {
            "date": self.env._("Date (UTC)"),
            "purpose": self.env._("Purpose"),
            "event_type": self.env._("Event"),
            "legal_basis": self.env._("Legal basis"),
            "state": self.env._("State"),
            "source": self.env._("Source"),
            "user": self.env._("By"),
            "ip_address": self.env._("IP address"),
            "user_agent": self.env._("User agent"),
            "consent_text_version": self.env._("Wording version"),
            "consent_text": self.env._("Wording shown"),
            "description": self.env._("Note"),
            "channel": self.env._("Channel"),
        }
        return history_csv.build_csv(rows, headers)

    def action_consent_export_history(self):
        """Download the consent history (CSV) for an access request."""
        self._consent_check_internal_user()
        self.ensure_one()
        self.check_access("read")
        content = self._consent_history_csv()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"consent-history-{self.id}.csv",
                    "raw": content.encode("utf-8"),
                    "mimetype": "text/csv",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.message_post(
            body=self.env._(
                "Consent history exported by %(user)s.", user=self.env.user.name
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def unlink(self):
        """Keep the consent history of deleted contacts, identified only by a hash.

        The references are cleared here rather than by the foreign keys: the
        record and partner keys of one event row cannot both be nulled by
        cascading actions of the same DELETE.
        """
        if self.ids:
            self.env.flush_all()
            hashes = {
                partner.id: hashing.email_hash(
                    partner.email_normalized or partner.email
                )
                or None
                for partner in self.sudo()
            }
            self.env.cr.execute(
                SQL(
                    """UPDATE consent_event e
                          SET partner_email_hash = COALESCE(
                                  e.partner_email_hash, v.digest),
                              partner_id = NULL,
                              record_id = NULL
                         FROM unnest(%s::int[], %s::varchar[]) AS v(pid, digest)
                        WHERE e.partner_id = v.pid""",
                    list(hashes),
                    list(hashes.values()),
                )
            )
            self.env["consent.event"].invalidate_model(
                ["partner_id", "record_id", "partner_email_hash"]
            )
            self.invalidate_recordset(["consent_event_ids"])
        return super().unlink()
