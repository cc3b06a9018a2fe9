from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # SMS mailings look up the contacts sharing each recipient's number (a
    # withdrawal or the Robinson mark speaks for the number): indexed, as
    # Odoo's phone mixin leaves it.
    phone_sanitized = fields.Char(index="btree_not_null")
