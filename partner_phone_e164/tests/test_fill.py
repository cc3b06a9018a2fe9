from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestFill(TransactionCase):
    """The install fills the E.164 columns with set-based SQL, not per record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.country_id = cls.env.ref("base.dk")

    def _insert_contacts(self, count, start):
        """Contacts as they were before the addon: numbers, no E.164 values."""
        dk = self.env.ref("base.dk")
        partners = self.env["res.partner"].create(
            [
                {"name": f"Raw {n}", "country_id": dk.id}
                for n in range(start, start + count)
            ]
        )
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE res_partner
               SET phone = CASE WHEN substr(name, 5)::int %% 2 = 0
                                THEN '+45 ' || (30000000 + substr(name, 5)::int)::text
                                ELSE (30000000 + substr(name, 5)::int)::text END,
                   mobile = CASE WHEN substr(name, 5)::int %% 3 = 0
                                 THEN '0031 6 '
                                      || (10000000 + substr(name, 5)::int)::text END,
                   phone_e164 = NULL,
                   mobile_e164 = NULL
             WHERE id IN %s
            """,
            (tuple(partners.ids),),
        )
        partners.invalidate_recordset()
        return partners

    def _fill_queries(self):
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.env["res.partner"]._e164_fill()
        return self.env.cr.sql_log_count - before

    def test_fill_sets_every_contact_and_the_lookup_table(self):
        partners = self._insert_contacts(30, 1)
        self._fill_queries()
        by_name = {p.name: p for p in partners}
        self.assertEqual(by_name["Raw 2"].phone_e164, "+4530000002")
        self.assertEqual(by_name["Raw 1"].phone_e164, "+4530000001")
        self.assertEqual(by_name["Raw 3"].mobile_e164, "+31610000003")
        self.assertFalse(by_name["Raw 1"].mobile_e164)
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._search_e164("+4530000002"), by_name["Raw 2"])
        self.assertEqual(Partner._search_e164("+31610000003"), by_name["Raw 3"])

    def test_fill_clears_values_of_unreadable_numbers(self):
        partner = self._insert_contacts(1, 500)
        self._fill_queries()
        self.assertTrue(partner.phone_e164)
        self.env.cr.execute(
            "UPDATE res_partner SET phone = 'ring reception' WHERE id = %s",
            (partner.id,),
        )
        self._fill_queries()
        partner.invalidate_recordset()
        self.assertFalse(partner.phone_e164)
        self.assertFalse(self.env["res.partner"]._search_e164("+4530000500"))

    def test_query_count_does_not_grow_with_contacts(self):
        self._insert_contacts(10, 1000)
        few = self._fill_queries()
        self._insert_contacts(400, 2000)
        many = self._fill_queries()
        self.assertEqual(few, many)

    def test_install_hook_fills_existing_columns_set_based(self):
        """_auto_init on a database whose contacts predate the addon creates
        the columns and the lookup table and fills both."""
        self.env.flush_all()
        partner = self._insert_contacts(1, 700)
        cr = self.env.cr
        cr.execute("DROP TABLE partner_phone_e164_number")
        cr.execute(
            "ALTER TABLE res_partner DROP COLUMN phone_e164, DROP COLUMN mobile_e164"
        )
        # what Odoo runs for res.partner when the addon is installed
        self.registry.init_models(
            cr, ["res.partner"], {"module": "partner_phone_e164"}, install=True
        )
        Partner = self.env["res.partner"]
        partner.invalidate_recordset()
        self.assertEqual(partner.phone_e164, "+4530000700")
        self.assertEqual(Partner._search_e164("+4530000700"), partner)
