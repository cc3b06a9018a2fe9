from odoo import fields, models


class WhatsappComposerVariable(models.TransientModel):
    _name = "whatsapp.composer.variable"
    _description = "Send WhatsApp: Merge Field Value"
    _order = "component desc, placeholder"

    composer_id = fields.Many2one(
        "whatsapp.composer", required=True, ondelete="cascade"
    )
    component = fields.Selection(
        [("header", "Header"), ("body", "Body")], required=True
    )
    placeholder = fields.Integer(required=True)
    value = fields.Char()
