from odoo import fields, models

DK_EXPENSE_KINDS = [
    ("food", "Danish food allowance (kostgodtgørelse)"),
    ("lodging", "Danish lodging allowance (logigodtgørelse)"),
    ("car", "Danish car mileage"),
    ("bicycle", "Danish bicycle/moped mileage"),
]
DK_MILEAGE_KINDS = ("car", "bicycle")
DK_PER_DIEM_KINDS = ("food", "lodging")


class ProductTemplate(models.Model):
    _inherit = "product.template"

    dk_expense_kind = fields.Selection(
        selection=DK_EXPENSE_KINDS,
        string="Danish Allowance",
        help="Expense categories priced at Skattestyrelsen's tax-free rates: "
        "mileage expenses take the rate valid on their date and the 20,000 km "
        "threshold; allowances come from the Danish per diem wizard.",
    )
