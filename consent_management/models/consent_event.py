from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import hashing
from .consent_purpose import LEGAL_BASIS_SELECTION

EVENT_TYPE_SELECTION = [
    ("grant", "Granted"),
    ("change", "Changed"),
    ("confirm", "Confirmed (double opt-in)"),
    ("withdraw", "Withdrawn"),
    ("expire", "Expired"),
    ("init", "Initialised"),
    ("request", "Consent requested"),
    ("preference", "Preferences changed"),
    ("merge", "Contacts merged"),
]

SOURCE_SELECTION = [
    ("manual", "Manual"),
    ("import", "Import"),
    ("web_form", "Web form"),
    ("portal", "Portal"),
    ("double_opt_in", "Double opt-in"),
    ("email", "E-mail"),
    ("migration", "Migration"),
    ("api", "API"),
    ("initialisation", "Initialisation"),
    ("expiry", "Expiry"),
    ("spam_report", "Spam report"),
    ("bounce", "Bounce"),
    ("unsubscribe_link", "Unsubscribe link"),
    ("whatsapp", "WhatsApp"),
    ("merge", "Contact merge"),
]

RECORD_STATE_SELECTION = [
    ("active", "Active"),
    ("withdrawn", "Withdrawn"),
    ("expired", "Expired"),
]


class ConsentEvent(models.Model):
    """Append-only consent history: rows are created, never written or deleted."""

    _name = "consent.event"
    _description = "Consent event"
    _order = "create_date desc, id desc"
    _rec_name = "event_type"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", ondelete="set null", index=True, readonly=True
    )
    partner_email_hash = fields.Char(
        string="E-mail hash",
        index=True,
        readonly=True,
        help="SHA-256 of the contact's e-mail address; it identifies the history "
        "of a deleted contact without keeping the address.",
    )
    purpose_id = fields.Many2one(
        "consent.purpose", required=True, ondelete="restrict", index=True, readonly=True
    )
    record_id = fields.Many2one(
        "consent.record", ondelete="set null", index=True, readonly=True
    )
    event_type = fields.Selection(
        EVENT_TYPE_SELECTION, string="Event", required=True, readonly=True
    )
    legal_basis = fields.Selection(
        LEGAL_BASIS_SELECTION, string="Legal basis", readonly=True
    )
    state = fields.Selection(RECORD_STATE_SELECTION, readonly=True)
    source = fields.Selection(SOURCE_SELECTION, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="By", readonly=True, default=lambda self: self.env.user
    )
    ip_address = fields.Char(string="IP address", readonly=True)
    user_agent = fields.Char(string="User agent", readonly=True)
    consent_text = fields.Text(string="Wording shown", readonly=True)
    consent_text_version = fields.Char(string="Wording version", readonly=True)
    description = fields.Text(string="Note", readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "consent_event_attachment_rel",
        "event_id",
        "attachment_id",
        string="Evidence files",
        readonly=True,
        help="The signed form, e-mail or recording a Consent officer attached "
        "when recording a new consent for a withdrawn contact.",
    )
    token_digest = fields.Char(
        string="Link fingerprint",
        index="btree_not_null",
        readonly=True,
        groups="base.group_system",
        help="SHA-256 of the double opt-in link that was used (replay protection).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        partner_ids = {
            vals["partner_id"]
            for vals in vals_list
            if vals.get("partner_id") and not vals.get("partner_email_hash")
        }
        emails = {
            partner.id: partner.email_normalized or partner.email
            for partner in self.env["res.partner"].sudo().browse(partner_ids)
        }
        for vals in vals_list:
            if vals.get("partner_id") and not vals.get("partner_email_hash"):
                vals["partner_email_hash"] = hashing.email_hash(
                    emails.get(vals["partner_id"])
                )
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "The consent history is append-only: an event cannot be changed."
            )
        )

    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "The consent history is append-only: an event cannot be deleted."
            )
        )

    def copy(self, default=None):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "The consent history is append-only: an event cannot be duplicated."
            )
        )
