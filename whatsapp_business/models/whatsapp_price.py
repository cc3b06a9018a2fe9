from odoo import fields, models

PRICING_CATEGORIES = [
    ("marketing", "Marketing"),
    ("marketing_lite", "Marketing Lite"),
    ("utility", "Utility"),
    ("authentication", "Authentication"),
    ("authentication_international", "Authentication (international)"),
    ("service", "Service"),
    ("referral_conversion", "Free entry point"),
]


class WhatsappPrice(models.Model):
    _name = "whatsapp.price"
    _description = "WhatsApp Price per Message Category"
    _order = "account_id, category"

    account_id = fields.Many2one(
        "whatsapp.account", required=True, ondelete="cascade", index=True
    )
    category = fields.Selection(PRICING_CATEGORIES, required=True)
    price = fields.Monetary(
        string="Price per Billable Message",
        currency_field="currency_id",
        help="What Meta charges for one billable message of this category; used only "
        "to estimate costs (check Meta's rate card for the recipients' country).",
    )
    currency_id = fields.Many2one(related="account_id.currency_id")

    _sql_constraints = [
        (
            "category_unique",
            "unique(account_id, category)",
            "Each category has one price per WhatsApp account.",
        )
    ]
