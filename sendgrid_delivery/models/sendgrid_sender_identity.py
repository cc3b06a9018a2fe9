from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError


class SendgridSenderIdentity(models.Model):
    _name = "sendgrid.sender.identity"
    _description = "Sender address"
    _order = "is_default desc, sequence, id"
    _rec_names_search = ["name", "email"]

    name = fields.Char(string="Display name", required=True)
    email = fields.Char(string="E-mail address", required=True)
    reply_to = fields.Char(
        string="Reply-to",
        help="Where answers go; empty means answers go to the sender address.",
    )
    is_default = fields.Boolean(
        string="Default sender",
        help="Used for messages whose template or document type does not fix "
        "the sender (messages that would go out with the company's generic "
        "address).",
    )
    model_ids = fields.Many2many(
        "ir.model",
        string="Document types",
        domain=[("is_mail_thread", "=", True), ("transient", "=", False)],
        ondelete="cascade",
        help="Messages about these documents always go out from this address, "
        "e.g. invoices from invoice@, bookings from booking@.",
    )
    mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="Own outgoing server",
        help="Leave empty to send through SendGrid; set to use another SMTP "
        "server for this address.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    domain = fields.Char(compute="_compute_domain", string="Sending domain")

    _sql_constraints = [
        (
            "email_company_uniq",
            "unique(email, company_id)",
            "This sender address already exists for this company.",
        ),
    ]

    @api.depends("email")
    def _compute_domain(self):
        for identity in self:
            normalized = tools.email_normalize(identity.email or "")
            identity.domain = normalized.rsplit("@", 1)[1] if normalized else False

    @api.depends("name", "email")
    def _compute_display_name(self):
        for identity in self:
            identity.display_name = tools.formataddr(
                (identity.name or "", identity.email or "")
            )

    @api.constrains("email", "reply_to")
    def _check_email(self):
        for identity in self:
            if not tools.email_normalize(identity.email or ""):
                raise ValidationError(
                    _("%(email)s is not a valid e-mail address.", email=identity.email)
                )
            if identity.reply_to and not tools.email_normalize(identity.reply_to):
                raise ValidationError(
                    _(
                        "%(email)s is not a valid reply-to address.",
                        email=identity.reply_to,
                    )
                )

    @api.constrains("is_default", "company_id", "active")
    def _check_single_default(self):
        for company in self.filtered("is_default").company_id:
            if (
                self.search_count(
                    [("is_default", "=", True), ("company_id", "=", company.id)]
                )
                > 1
            ):
                raise ValidationError(
                    _(
                        "Only one default sender address is allowed per company "
                        "(%(company)s).",
                        company=company.name,
                    )
                )

    # ------------------------------------------------------------------
    # Applying identities to outgoing mail
    # ------------------------------------------------------------------
    @api.model
    def _generic_from_addresses(self):
        """Addresses Odoo falls back to when nothing chose a sender."""
        addresses = {
            tools.email_normalize(
                self.env["ir.mail_server"]._get_default_from_address() or ""
            ),
            tools.email_normalize(self.env.company.email or ""),
        }
        addresses.discard(False)
        return addresses

    @api.model
    def _user_addresses(self, emails):
        """Which of ``emails`` (normalised) are internal users' own addresses."""
        emails = [email for email in emails if email]
        if not emails:
            return set()
        users = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search([("share", "=", False), ("email_normalized", "in", emails)])
        )
        return set(users.mapped("email_normalized"))

    @api.model
    def _apply_to_mail_values(self, vals_list):
        """Set sender, reply-to and server of new mail.mail values in place.

        An identity bound to the document type wins; the default identity
        replaces a missing or generic sender and, when its company says
        "documents leave from the default sender address", a user's own
        address. Skipped with context ``sendgrid_keep_sender``.
        """
        if self.env.context.get("sendgrid_keep_sender"):
            return
        identities = self.sudo().search([("company_id", "in", self.env.companies.ids)])
        if not identities:
            return
        by_model = {}
        for identity in identities:
            for model in identity.model_ids:
                by_model.setdefault(model.model, identity)
        default = identities.filtered("is_default")[:1]
        replaceable = self._generic_from_addresses() if default else set()
        if default.company_id.sendgrid_documents_from_default:
            replaceable |= self._user_addresses(
                [tools.email_normalize(v.get("email_from") or "") for v in vals_list]
            )
        messages = (
            self.env["mail.message"]
            .sudo()
            .browse(
                {v["mail_message_id"] for v in vals_list if v.get("mail_message_id")}
            )
        )
        message_models = {m.id: m.model for m in messages}
        for vals in vals_list:
            model = vals.get("model") or message_models.get(vals.get("mail_message_id"))
            identity = by_model.get(model)
            if not identity and default:
                current = tools.email_normalize(vals.get("email_from") or "")
                if not current or current in replaceable:
                    identity = default
            if not identity:
                continue
            vals["email_from"] = identity.display_name
            if identity.reply_to:
                vals["reply_to"] = identity.reply_to
            if identity.mail_server_id and not vals.get("mail_server_id"):
                vals["mail_server_id"] = identity.mail_server_id.id
