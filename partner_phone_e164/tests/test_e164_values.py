from odoo.tests import tagged

from .common import E164Case


@tagged("post_install", "-at_install")
class TestE164Values(E164Case):
    """phone and mobile are stored in E.164, read with the contact's country."""

    def test_national_and_international_formats_on_create(self):
        self.assertEqual(self.hansen.phone_e164, "+4512345678")
        self.assertFalse(self.hansen.mobile_e164)
        self.assertEqual(self.jensen.mobile_e164, "+4587654321")
        self.assertEqual(self.de_vries.mobile_e164, "+31623456789")
        self.assertEqual(self.de_vries.phone_e164, "+31201234567")
        Partner = self.env["res.partner"]
        for number, country, expected in (
            ("0045 70 80 90 10", self.dk, "+4570809010"),
            ("70 80 90 10", self.dk, "+4570809010"),
            ("+31 20 123 4567", self.dk, "+31201234567"),
            ("0031 6 1234 5678", self.nl, "+31612345678"),
            ("06-12345678", self.nl, "+31612345678"),
        ):
            with self.subTest(number=number, country=country.code):
                partner = Partner.create(
                    {"name": "Ny", "country_id": country.id, "phone": number}
                )
                self.assertEqual(partner.phone_e164, expected)

    def test_company_country_reads_national_numbers_without_own_country(self):
        partner = self.env["res.partner"].create(
            {"name": "Uden land", "phone": "12 34 56 78"}
        )
        self.assertEqual(partner.phone_e164, "+4512345678")
        self.env.company.partner_id.country_id = self.nl
        partner.phone = "020 123 4567"
        self.assertEqual(partner.phone_e164, "+31201234567")

    def test_values_follow_writes(self):
        self.hansen.phone = "32 12 34 56"
        self.assertEqual(self.hansen.phone_e164, "+4532123456")
        self.hansen.phone = "ring reception"
        self.assertFalse(self.hansen.phone_e164)
        # a national number belongs to the contact's own country
        self.jensen.write({"mobile": "06 87654321", "country_id": self.nl.id})
        self.assertEqual(self.jensen.mobile_e164, "+31687654321")
        self.jensen.mobile = False
        self.assertFalse(self.jensen.mobile_e164)

    def test_import_computes_the_values(self):
        Partner = self.env["res.partner"]
        result = Partner.load(
            ["name", "country_id/id", "phone", "mobile"],
            [
                ["Import DK", "base.dk", "33 44 55 66", "+45 40 40 40 40"],
                ["Import NL", "base.nl", "010 123 4567", "06 11223344"],
            ],
        )
        self.assertFalse(result["messages"])
        dk, nl = Partner.browse(result["ids"])
        self.assertEqual(
            (dk.phone_e164, dk.mobile_e164), ("+4533445566", "+4540404040")
        )
        self.assertEqual(
            (nl.phone_e164, nl.mobile_e164), ("+31101234567", "+31611223344")
        )
        self.assertEqual(Partner._search_e164("+31611223344"), nl)

    def test_search_field_accepts_any_format(self):
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner.search([("phone_e164_search", "=", "0045 12 34 56 78")]),
            self.hansen,
        )
        self.assertEqual(
            Partner.search([("phone_e164_search", "ilike", "+31 6 2345 6789")]),
            self.de_vries,
        )
        self.assertFalse(Partner.search([("phone_e164_search", "=", "nonsense")]))

    def test_search_field_refuses_other_operators(self):
        with self.assertRaisesRegex(Exception, "“is” or “contains”"):
            self.env["res.partner"].search([("phone_e164_search", "!=", "12345678")])

    def test_columns_are_indexed(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'res_partner' "
            "AND indexname IN ('res_partner__phone_e164_index', "
            "'res_partner__mobile_e164_index')"
        )
        self.assertEqual(len(self.env.cr.fetchall()), 2)
