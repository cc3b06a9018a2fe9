from odoo import fields, models


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
