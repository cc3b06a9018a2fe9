from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .consent_event import RECORD_STATE_SELECTION
from .consent_purpose import LEGAL_BASIS_SELECTION

# Changes to these fields are logged in the append-only history.
LOGGED_FIELDS = frozenset(
    {"state", "legal_basis", "source", "expires_on", "consent_text_version"}
)
STATE_EVENT = {"active": "grant", "withdrawn": "withdraw", "expired": "expire"}
# Events that describe the record's own evidence when none is given.
FROM_RECORD = frozenset({"grant", "confirm", "change", "init", "merge"})
# Merge: the most restrictive standing wins; an expired consent is no consent.
STATE_STRENGTH = {"withdrawn": 3, "active": 2, "expired": 1}
# The standing and evidence a merged contact's record takes from the winner.
MERGED_FIELDS = (
    "legal_basis",
    "state",
    "source",
    "captured_at",
    "captured_by_id",
    "ip_address",
    "user_agent",
    "consent_text",
    "consent_text_version",
    "withdrawn_at",
    "expires_on",
)
# Sources that are the person's own act (double opt-in confirmation,
# preferences page or portal, signed web form, "resume marketing" in the
# WhatsApp app as Meta's signed webhook reports it): only they re-activate a
# withdrawal without a Consent officer's note and evidence.
SUBJECT_SOURCES = frozenset({"double_opt_in", "portal", "web_form", "whatsapp"})
OFFICER_GROUP = "consent_management.group_consent_officer"
EVIDENCE_KEYS = (
    "ip_address",
    "user_agent",
    "consent_text",
    "consent_text_version",
    "description",
)


class ConsentRecord(models.Model):
    """The current standing of one contact for one purpose.

    Every create or change of the standing appends a consent.event; callers can
    pass ``consent_event_type`` and ``consent_evidence`` (dict) in the context to
    describe the event.
    """

    _name = "consent.record"
    _description = "Consent record"
    _order = "partner_id, purpose_id"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, ondelete="cascade", index=True
    )
    purpose_id = fields.Many2one(
        "consent.purpose", required=True, ondelete="restrict", index=True
    )
    purpose_code = fields.Char(related="purpose_id.code")
    is_marketing = fields.Boolean(related="purpose_id.is_marketing")
    legal_basis = fields.Selection(
        LEGAL_BASIS_SELECTION, string="Legal basis", required=True
    )
    state = fields.Selection(
        RECORD_STATE_SELECTION, required=True, default="active", index=True
    )
    source = fields.Selection(
        selection="_selection_source", required=True, default="manual"
    )
    captured_at = fields.Datetime(
        string="Captured on", default=fields.Datetime.now, required=True
    )
    captured_by_id = fields.Many2one(
        "res.users", string="Captured by", default=lambda self: self.env.user
    )
    ip_address = fields.Char(string="IP address")
    user_agent = fields.Char(string="User agent")
    consent_text = fields.Text(string="Wording shown")
    consent_text_version = fields.Char(string="Wording version")
    withdrawn_at = fields.Datetime(string="Withdrawn on")
    expires_on = fields.Date(string="Expires on", index="btree_not_null")
    event_ids = fields.One2many("consent.event", "record_id", string="History")

    _sql_constraints = [
        (
            "partner_purpose_unique",
            "unique(partner_id, purpose_id)",
            "A contact has only one consent record per purpose.",
        ),
    ]

    @api.model
    def _selection_source(self):
        # Same values as the history, including values other addons add there.
        return (
            self.env["consent.event"]._fields["source"]._description_selection(self.env)
        )

    @api.depends("partner_id", "purpose_id")
    def _compute_display_name(self):
        for record in self:
            record.display_name = " – ".join(
                name
                for name in (record.partner_id.display_name, record.purpose_id.name)
                if name
            )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._log_events(default_type="grant")
        return records

    def write(self, vals):
        if not self.env.su and {"partner_id", "purpose_id"}.intersection(vals):
            # Moving a record would leave its purpose free to be granted anew.
            raise UserError(
                self.env._(
                    "The contact and purpose of a legal basis cannot be changed; "
                    "record a new one instead."
                )
            )
        if vals.get("state", "withdrawn") != "withdrawn":
            self.filtered(lambda r: r.state == "withdrawn")._check_may_reactivate(vals)
        if not LOGGED_FIELDS.intersection(vals):
            return super().write(vals)
        previous = {record.id: record.state for record in self}
        res = super().write(vals)
        self._log_events(previous_states=previous)
        return res

    def _check_may_reactivate(self, vals):
        """A withdrawal is final until the person acts (GDPR Art. 7(3), 21(3)).

        ``self`` are withdrawn records ``vals`` would make active (or expired,
        a step towards active). Allowed: the
        person's own act (a source of ``SUBJECT_SOURCES``, set by server code
        only), or a Consent officer recording a new consent with a note and
        evidence files (``consent_evidence`` in the context, as the Grant
        wizard passes them). Never: a basis other than consent for a
        marketing purpose, nor a direct edit of the record.
        """
        evidence = self.env.context.get("consent_evidence") or {}
        user = self.env.user
        for record in self:
            basis = vals.get("legal_basis") or record.legal_basis
            if record.purpose_id.is_marketing and basis != "consent":
                raise UserError(
                    self.env._(
                        "%(contact)s objected to %(purpose)s. Legitimate interest "
                        "or any basis other than the person's consent can never "
                        "override an objection to direct marketing "
                        "(GDPR Art. 21(3)).",
                        contact=record.partner_id.display_name,
                        purpose=record.purpose_id.name,
                    )
                )
            source = vals.get("source") or record.source
            if self.env.su and source in SUBJECT_SOURCES:
                continue
            if not (
                self.env.su
                and user.has_group(OFFICER_GROUP)
                and evidence.get("description")
                and evidence.get("attachment_ids")
            ):
                raise UserError(
                    self.env._(
                        "%(contact)s withdrew from %(purpose)s. Only the person "
                        "can give it again (double opt-in, preferences page, "
                        "portal or a signed web form), or a Consent officer "
                        "through Grant with a note and the evidence.",
                        contact=record.partner_id.display_name,
                        purpose=record.purpose_id.name,
                    )
                )

    def _log_events(self, default_type=None, previous_states=None):
        """Append one history event per record describing its new standing."""
        if not self:
            return self.env["consent.event"]
        context = self.env.context
        evidence = dict(context.get("consent_evidence") or {})
        forced_type = context.get("consent_event_type")
        vals_list = []
        for record in self:
            event_type = forced_type or default_type
            if not event_type:
                before = (previous_states or {}).get(record.id)
                event_type = (
                    "change" if record.state == before else STATE_EVENT[record.state]
                )
            vals = {
                "partner_id": record.partner_id.id,
                "purpose_id": record.purpose_id.id,
                "record_id": record.id,
                "event_type": event_type,
                "legal_basis": record.legal_basis,
                "state": record.state,
                "source": record.source,
            }
            for key in EVIDENCE_KEYS:
                value = evidence.get(key)
                if value is None and key != "description" and event_type in FROM_RECORD:
                    value = record[key]
                vals[key] = value or False
            if evidence.get("attachment_ids"):
                vals["attachment_ids"] = [Command.set(evidence["attachment_ids"])]
            if context.get("consent_token_digest"):
                vals["token_digest"] = context["consent_token_digest"]
            vals_list.append(vals)
        return self.env["consent.event"].sudo().create(vals_list)

    def _consent_evidence_strength(self):
        """How strong the evidence of this record is (higher is stronger).

        Used when contacts are merged to choose, among records of the same
        standing, the one whose evidence the kept record takes. Override to
        rank other sources.
        """
        self.ensure_one()
        if self.source == "double_opt_in" or self.ip_address:
            return 3  # the person's own act, with technical evidence
        if self.legal_basis == "consent" and self.source != "initialisation":
            return 2
        return 0 if self.source == "initialisation" else 1

    def _consent_merge_key(self):
        self.ensure_one()
        return (
            STATE_STRENGTH.get(self.state, 0),
            self._consent_evidence_strength(),
            self.withdrawn_at or self.captured_at,
            self.id,
        )

    @api.model
    def _cron_expire_records(self):
        """Expire active records whose ``expires_on`` is past and log it."""
        records = self.sudo().search(
            [
                ("state", "=", "active"),
                ("expires_on", "!=", False),
                ("expires_on", "<", fields.Date.context_today(self)),
            ]
        )
        records.with_context(consent_event_type="expire").write(
            {"state": "expired", "source": "expiry"}
        )
        return records
