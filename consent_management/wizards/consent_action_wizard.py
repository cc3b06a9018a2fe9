from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.consent_purpose import LEGAL_BASIS_SELECTION

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

    @api.depends("partner_ids", "operation")
    def _compute_partners_without_email(self):
        for wizard in self:
            missing = wizard.partner_ids.filtered(lambda p: not p.email)
            wizard.partners_without_email = ", ".join(missing.mapped("display_name"))

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
