from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.consent_purpose import LEGAL_BASIS_SELECTION
from ..models.consent_record import OFFICER_GROUP

SYSTEM_SOURCES = frozenset(
    {
        "initialisation",
        "expiry",
        "double_opt_in",
        "bounce",
        "spam_report",
        "unsubscribe_link",
        "merge",
    }
)


class ConsentActionWizard(models.TransientModel):
    _name = "consent.action.wizard"
    _description = "Grant, withdraw or request consent"

    operation = fields.Selection(
        [
            ("grant", "Grant"),
            ("withdraw", "Withdraw"),
            ("request", "Request consent by e-mail"),
        ],
        string="Action",
        required=True,
        default="grant",
    )
    partner_ids = fields.Many2many("res.partner", string="Contacts", required=True)
    purpose_id = fields.Many2one("consent.purpose", required=True)
    legal_basis = fields.Selection(
        LEGAL_BASIS_SELECTION,
        string="Legal basis",
        compute="_compute_legal_basis",
        store=True,
        readonly=False,
    )
    source = fields.Selection(
        selection="_selection_source",
        default="manual",
        required=True,
        help="How the contact expressed this (phone call, paper form, e-mail …).",
    )
    consent_text = fields.Text(
        string="Wording shown",
        compute="_compute_consent_text",
        store=True,
        readonly=False,
    )
    description = fields.Text(string="Note", help="Kept in the consent history.")
    withdrawn_partner_ids = fields.Many2many(
        "res.partner",
        string="Withdrawn contacts",
        compute="_compute_withdrawn_partner_ids",
        help="Selected contacts who withdrew from this purpose.",
    )
    is_consent_officer = fields.Boolean(compute="_compute_is_consent_officer")
    evidence_attachment_ids = fields.Many2many(
        "ir.attachment",
        "consent_action_wizard_evidence_rel",
        "wizard_id",
        "attachment_id",
        string="Evidence",
        help="For a contact who withdrew: the signed form, e-mail or recording "
        "in which the person gave their consent again. Kept with the history.",
    )
    partners_without_email = fields.Char(
        string="Contacts without e-mail", compute="_compute_partners_without_email"
    )

    @api.model
    def _selection_source(self):
        # Sources a person can report by hand; system sources are set by code.
        return [
            (value, label)
            for value, label in self.env["consent.event"]
            ._fields["source"]
            ._description_selection(self.env)
            if value not in SYSTEM_SOURCES
        ]

    @api.depends("purpose_id")
    def _compute_legal_basis(self):
        for wizard in self:
            wizard.legal_basis = wizard.purpose_id.default_legal_basis or "consent"

    @api.depends("purpose_id")
    def _compute_consent_text(self):
        for wizard in self:
            wizard.consent_text = wizard.purpose_id.consent_text

    @api.depends("partner_ids", "purpose_id")
    def _compute_withdrawn_partner_ids(self):
        Record = self.env["consent.record"].sudo()
        for wizard in self:
            wizard.withdrawn_partner_ids = Record.search(
                [
                    ("partner_id", "in", wizard.partner_ids.ids),
                    ("purpose_id", "=", wizard.purpose_id.id),
                    ("state", "=", "withdrawn"),
                ]
            ).partner_id

    def _compute_is_consent_officer(self):
        is_officer = self.env.user.has_group(OFFICER_GROUP)
        for wizard in self:
            wizard.is_consent_officer = is_officer

    @api.depends("partner_ids", "operation")
    def _compute_partners_without_email(self):
        for wizard in self:
            missing = wizard.partner_ids.filtered(lambda p: not p.email)
            wizard.partners_without_email = ", ".join(missing.mapped("display_name"))

    def _check_new_consent_after_withdrawal(self):
        """A Consent officer records a new consent for a contact who withdrew:
        only as consent for marketing, with a note and evidence, one contact at
        a time. Returns the ids of the evidence files, kept on the contact."""
        withdrawn = self.withdrawn_partner_ids
        names = ", ".join(withdrawn.mapped("display_name"))
        if not self.env.user.has_group(OFFICER_GROUP):
            raise AccessError(
                self.env._(
                    "%(contacts)s withdrew from %(purpose)s. Only the person can "
                    "give it again (double opt-in, preferences page, portal or a "
                    "signed web form); if they gave it to you in writing, ask a "
                    "Consent officer to record it.",
                    contacts=names,
                    purpose=self.purpose_id.name,
                )
            )
        if self.purpose_id.is_marketing and self.legal_basis != "consent":
            raise UserError(
                self.env._(
                    "%(contacts)s objected to %(purpose)s. Legitimate interest or "
                    "any basis other than the person's consent can never override "
                    "an objection to direct marketing (GDPR Art. 21(3)).",
                    contacts=names,
                    purpose=self.purpose_id.name,
                )
            )
        if len(withdrawn) > 1:
            raise UserError(
                self.env._(
                    "Record a new consent for a contact who withdrew one contact "
                    "at a time: the evidence belongs to one person (%(contacts)s).",
                    contacts=names,
                )
            )
        if not (self.description or "").strip():
            raise UserError(
                self.env._(
                    "Write a note saying how and when %(contact)s gave their "
                    "consent again.",
                    contact=names,
                )
            )
        if not self.evidence_attachment_ids:
            raise UserError(
                self.env._(
                    "Attach the evidence (signed form, e-mail, recording) of the "
                    "new consent of %(contact)s.",
                    contact=names,
                )
            )
        # Only files the officer may read; copied, so no other document loses
        # its attachment.
        self.evidence_attachment_ids.check_access("read")
        self.evidence_attachment_ids.check("read")  # the document's own rights
        kept = self.env["ir.attachment"]
        for attachment in self.evidence_attachment_ids.sudo():
            kept |= attachment.copy(
                {"res_model": "res.partner", "res_id": withdrawn.id}
            )
        return kept.ids

    def action_apply(self):
        self.env["res.partner"]._consent_check_internal_user()
        self.ensure_one()
        self.check_access("write")
        self.partner_ids.check_access("write")
        partners = self.partner_ids
        code = self.purpose_id.code
        evidence = {"description": self.description or False}
        if self.operation == "grant":
            if not self.legal_basis:
                raise UserError(self.env._("Choose the legal basis."))
            evidence.update(
                consent_text=self.consent_text or False,
                consent_text_version=self.purpose_id.consent_text_version or False,
            )
            if self.withdrawn_partner_ids:
                evidence["attachment_ids"] = self._check_new_consent_after_withdrawal()
            partners._consent_grant(code, self.legal_basis, self.source, evidence)
        elif self.operation == "withdraw":
            partners._consent_withdraw(code, self.source, evidence)
        else:
            sent = partners._consent_send_request(code, evidence)
            if not sent:
                raise UserError(
                    self.env._("None of the selected contacts has an e-mail address.")
                )
        return {"type": "ir.actions.act_window_close"}
