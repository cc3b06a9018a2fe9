from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class WhatsappComposer(models.TransientModel):
    _name = "whatsapp.composer"
    _description = "Send WhatsApp"

    partner_id = fields.Many2one("res.partner", string="Contact", required=True)
    account_id = fields.Many2one(
        "whatsapp.account",
        string="WhatsApp Account",
        required=True,
        default=lambda self: self._default_account(),
    )
    whatsapp_address = fields.Char(
        string="Send To", compute="_compute_whatsapp_address"
    )
    template_id = fields.Many2one(
        "whatsapp.template",
        domain="[('account_id', '=', account_id), ('status', '=', 'approved')]",
        help="Only templates approved by Meta can be sent.",
    )
    template_category = fields.Selection(related="template_id.category")
    variable_ids = fields.One2many(
        "whatsapp.composer.variable",
        "composer_id",
        string="Merge Fields",
        compute="_compute_variable_ids",
        store=True,
        readonly=False,
    )
    preview = fields.Html(compute="_compute_preview", sanitize=True)
    consent_warning = fields.Char(compute="_compute_consent_warning")

    @api.model
    def _default_account(self):
        Account = self.env["whatsapp.account"]
        mine = Account.search([("user_ids", "in", self.env.uid)], limit=1)
        if mine or not self.env.user.has_group(
            "whatsapp_business.group_whatsapp_manager"
        ):
            return mine
        return Account.search([], limit=1)

    @api.depends("partner_id")
    def _compute_whatsapp_address(self):
        for composer in self:
            composer.whatsapp_address = (
                composer.partner_id.mobile_e164
                or composer.partner_id.phone_e164
                or composer.partner_id.whatsapp_user_id
                or False
            )

    @api.depends("template_id", "partner_id")
    def _compute_variable_ids(self):
        for composer in self:
            commands = [Command.clear()]
            template = composer.template_id
            if template:
                for variable in template.variable_ids:
                    commands.append(
                        Command.create(
                            {
                                "component": variable.component,
                                "placeholder": variable.placeholder,
                                "label": variable.display_name,
                                "value": variable._value_for(composer.partner_id),
                            }
                        )
                    )
            composer.variable_ids = commands

    @api.depends("template_id", "variable_ids.value")
    def _compute_preview(self):
        for composer in self:
            if composer.template_id:
                header, body = composer._values()
                composer.preview = composer.template_id._render_preview(body, header)
            else:
                composer.preview = False

    @api.depends("template_id", "partner_id")
    def _compute_consent_warning(self):
        for composer in self:
            warning = False
            template = composer.template_id
            if (
                template.category == "marketing"
                and composer.partner_id
                and not composer.partner_id._consent_may_send("whatsapp_marketing")
            ):
                warning = self.env._(
                    "This contact has not consented to WhatsApp marketing: the "
                    "marketing template will be refused."
                )
            composer.consent_warning = warning

    def _values(self):
        self.ensure_one()
        header, body = {}, {}
        for line in self.variable_ids:
            if line.component == "button":
                continue
            target = header if line.component == "header" else body
            target[line.placeholder] = line.value or ""
        return header, body

    def _button_values(self):
        self.ensure_one()
        return {
            line.placeholder: line.value or ""
            for line in self.variable_ids
            if line.component == "button"
        }

    def action_send(self):
        self.ensure_one()
        if not self.template_id:
            raise UserError(self.env._("Choose an approved template to send."))
        if self.template_id.account_id != self.account_id:
            raise UserError(
                self.env._(
                    "Template %(template)s belongs to another WhatsApp account.",
                    template=self.template_id.display_name,
                )
            )
        header, body = self._values()
        message = self.template_id._send_to_partner(
            self.partner_id,
            header_values=header,
            body_values=body,
            button_values=self._button_values(),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("WhatsApp queued"),
                "message": self.env._(
                    "The template is on its way to %(contact)s; follow it in the "
                    "conversation.",
                    contact=self.partner_id.display_name,
                ),
                # opened from the conversation itself (Discuss): just close
                "next": {"type": "ir.actions.act_window_close"}
                if self.env.context.get("whatsapp_from_discuss")
                else message.channel_id.action_open_discuss(),
            },
        }
