from odoo import api, fields, models

from ..services import template as wa_template


class WhatsappTemplateButton(models.Model):
    _name = "whatsapp.template.button"
    _description = "WhatsApp Template Button"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one(
        "whatsapp.template", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    button_type = fields.Selection(
        [
            ("quick_reply", "Quick Reply"),
            ("url", "Link"),
            ("phone_number", "Call"),
            ("otp", "One-time Code"),
            ("copy_code", "Copy Code"),
            ("flow", "Flow"),
            ("catalog", "Catalog"),
            ("mpm", "Multi-product"),
        ],
        string="Type",
    )
    text = fields.Char()
    url = fields.Char(string="URL")
    phone_number = fields.Char()
    example = fields.Char(
        help="Meta's example value: the URL's dynamic suffix or the coupon code."
    )
    otp_type = fields.Char(
        string="One-time Code Type", help="Meta's otp_type: copy_code, one_tap..."
    )
    is_dynamic = fields.Boolean(
        compute="_compute_is_dynamic",
        help="The button takes a value when the template is sent.",
    )

    @api.depends("button_type", "url")
    def _compute_is_dynamic(self):
        for button in self:
            button.is_dynamic = wa_template.button_is_dynamic(
                {"button_type": button.button_type, "url": button.url}
            )

    def _index(self):
        """Meta's 0-based position of the button in the template."""
        self.ensure_one()
        return list(self.template_id.button_ids).index(self)

    def _label(self):
        self.ensure_one()
        labels = dict(self._fields["button_type"]._description_selection(self.env))
        kind = labels.get(self.button_type, "")
        return f"{kind} “{self.text}”" if self.text else kind
