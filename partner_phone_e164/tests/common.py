"""A Danish company with Danish and Dutch contacts whose numbers are typed
the way people type them."""

from odoo.tests.common import TransactionCase


class E164Case(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dk = cls.env.ref("base.dk")
        cls.nl = cls.env.ref("base.nl")
        # national numbers ("12345678") of contacts without a country are
        # read with the company's country
        cls.env.company.partner_id.country_id = cls.dk
        Partner = cls.env["res.partner"].with_context(tracking_disable=True)
        cls.hansen = Partner.create(
            {"name": "Hansen A/S", "country_id": cls.dk.id, "phone": "+45 12 34 56 78"}
        )
        cls.jensen = Partner.create(
            {"name": "Jensen ApS", "country_id": cls.dk.id, "mobile": "87 65 43 21"}
        )
        cls.de_vries = Partner.create(
            {
                "name": "Bakkerij de Vries",
                "country_id": cls.nl.id,
                "mobile": "06 23456789",
                "phone": "020 123 4567",
            }
        )

    def rows(self, partners):
        """The lookup table's rows of ``partners``."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT partner_id, e164, is_mobile FROM partner_phone_e164_number "
            "WHERE partner_id = ANY(%s) ORDER BY partner_id, e164",
            (partners.ids,),
        )
        return self.env.cr.fetchall()
