from odoo import api, fields, models
from odoo.exceptions import ValidationError

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
    _order = "account_id, category, country_id"

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
    country_id = fields.Many2one(
        "res.country",
        string="Destination Country",
        help="Meta prices by the recipient's market. A price for a country wins over "
        "the price without country, which covers every other country.",
    )
    currency_id = fields.Many2one(related="account_id.currency_id")

    _sql_constraints = [
        (
            "category_unique",
            "unique(account_id, category, country_id)",
            "Each category has one price per destination country and WhatsApp account.",
        )
    ]

    @api.constrains("account_id", "category", "country_id")
    def _check_one_price_for_other_countries(self):
        # PostgreSQL's unique constraint lets several rows without country pass
        for price in self.filtered(lambda p: not p.country_id):
            if self.search_count(
                [
                    ("account_id", "=", price.account_id.id),
                    ("category", "=", price.category),
                    ("country_id", "=", False),
                    ("id", "!=", price.id),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "Each category has one price per destination country and "
                        "WhatsApp account."
                    )
                )
