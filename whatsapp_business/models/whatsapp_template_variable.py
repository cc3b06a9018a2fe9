from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


class WhatsappTemplateVariable(models.Model):
    _name = "whatsapp.template.variable"
    _description = "WhatsApp Template Merge Field"
    _order = "template_id, component desc, placeholder"

    template_id = fields.Many2one(
        "whatsapp.template", required=True, ondelete="cascade", index=True
    )
    component = fields.Selection(
        [("header", "Header"), ("body", "Body"), ("button", "Button")],
        required=True,
        default="body",
    )
    placeholder = fields.Integer(
        required=True, help="The n of {{n}}; for a button, its position (from 1)."
    )
    button_id = fields.Many2one(
        "whatsapp.template.button",
        ondelete="cascade",
        help="The URL or copy-code button this value fills.",
    )
    field_type = fields.Selection(
        [("field", "Contact Field"), ("text", "Fixed Text")],
        string="Filled With",
        required=True,
        default="text",
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Contact Field",
        ondelete="set null",
        domain=[
            ("model", "=", "res.partner"),
            (
                "ttype",
                "in",
                ["char", "text", "selection", "many2one", "date", "integer", "float"],
            ),
        ],
    )
    fixed_text = fields.Char()
    sample = fields.Char(readonly=True, help="Example Meta approved the template with.")

    _sql_constraints = [
        (
            "placeholder_unique",
            "unique(template_id, component, placeholder)",
            "Each placeholder has one merge field.",
        )
    ]

    @api.depends("component", "placeholder", "button_id.text")
    def _compute_display_name(self):
        labels = dict(self._fields["component"]._description_selection(self.env))
        for variable in self:
            if variable.button_id:
                variable.display_name = variable.button_id._label()
                continue
            variable.display_name = (
                f"{labels.get(variable.component)} {{{{{variable.placeholder}}}}}"
            )

    @api.constrains("field_type", "field_id")
    def _check_field(self):
        for variable in self:
            if variable.field_type == "field" and not variable.field_id:
                raise ValidationError(
                    self.env._(
                        "Choose the contact field that fills %(placeholder)s.",
                        placeholder=variable.display_name,
                    )
                )
            field = self.env["res.partner"]._fields.get(variable.field_id.name)
            if field and field.groups and field.groups != "base.group_user":
                # every sender would see it in the preview, and the customer too
                raise ValidationError(
                    self.env._(
                        "%(field)s is restricted to some users; it cannot fill a "
                        "WhatsApp template.",
                        field=variable.field_id.field_description,
                    )
                )

    def _value_for(self, partner):
        """Text for this placeholder when sending to ``partner``."""
        self.ensure_one()
        if self.field_type == "text":
            return self.fixed_text or ""
        if not self.field_id or not partner:
            return ""
        try:
            # read as the sender: the value shows in their preview
            value = partner[self.field_id.name]
        except AccessError:
            return ""
        if self.field_id.ttype == "many2one":
            return value.display_name or ""
        if self.field_id.ttype == "selection":
            selection = dict(
                partner._fields[self.field_id.name]._description_selection(self.env)
            )
            return selection.get(value) or ""
        if value in (False, None):
            return ""
        return str(value)
