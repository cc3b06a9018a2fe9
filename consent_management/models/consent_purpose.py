from odoo import api, fields, models

LEGAL_BASIS_SELECTION = [
    ("consent", "Consent"),
    ("contract", "Contract"),
    ("legal_obligation", "Legal obligation"),
    ("vital_interest", "Vital interest"),
    ("public_task", "Public task"),
    ("legitimate_interest", "Legitimate interest"),
]

CHANNEL_SELECTION = [
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("whatsapp", "WhatsApp"),
    ("phone", "Phone"),
    ("any", "Any channel"),
]


class ConsentPurpose(models.Model):
    _name = "consent.purpose"
    _description = "Consent purpose"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical key other modules use to ask for this purpose.",
    )
    description = fields.Text(translate=True)
    channel = fields.Selection(CHANNEL_SELECTION, required=True, default="any")
    is_marketing = fields.Boolean(
        string="Is marketing",
        help="When the e-marketing privacy switch is on, marketing for this purpose "
        "only reaches contacts with an active record.",
    )
    default_legal_basis = fields.Selection(
        LEGAL_BASIS_SELECTION,
        string="Default legal basis",
        required=True,
        default="consent",
    )
    consent_text = fields.Text(
        string="Consent wording",
        translate=True,
        help="The sentence shown to the person when they are asked to consent.",
    )
    consent_text_version = fields.Char(
        string="Wording version",
        default="1",
        help="Change this whenever the wording changes; each consent keeps the "
        "version it was given on.",
    )
    validity_months = fields.Integer(
        string="Consent valid for (months)",
        help="Consents given for this purpose expire after this many months. "
        "0 means they do not expire.",
    )
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    record_ids = fields.One2many("consent.record", "purpose_id", string="Records")
    record_count = fields.Integer(
        string="Number of records", compute="_compute_record_count"
    )

    _sql_constraints = [
        (
            "code_unique",
            "unique(code)",
            "The code of a consent purpose must be unique.",
        ),
        (
            "validity_months_positive",
            "CHECK(validity_months >= 0)",
            "The validity of a consent cannot be negative.",
        ),
    ]

    @api.depends("record_ids")
    def _compute_record_count(self):
        counts = dict(
            self.env["consent.record"]._read_group(
                [("purpose_id", "in", self.ids)], ["purpose_id"], ["__count"]
            )
        )
        for purpose in self:
            purpose.record_count = counts.get(purpose, 0)

    def action_open_records(self):
        self.env["res.partner"]._consent_check_internal_user()
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "consent_management.consent_record_action"
        )
        action["domain"] = [("purpose_id", "=", self.id)]
        action["context"] = {"default_purpose_id": self.id}
        return action
