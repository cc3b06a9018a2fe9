from odoo import fields, models


class WhatsappComposerVariable(models.TransientModel):
    _name = "whatsapp.composer.variable"
    _description = "Send WhatsApp: Merge Field Value"
    _order = "component desc, placeholder"

    composer_id = fields.Many2one(
        "whatsapp.composer", required=True, ondelete="cascade"
    )
    component = fields.Selection(
        [("header", "Header"), ("body", "Body"), ("button", "Button")], required=True
    )
    placeholder = fields.Integer(required=True)
    label = fields.Char(string="Field", readonly=True)
    value = fields.Char()
