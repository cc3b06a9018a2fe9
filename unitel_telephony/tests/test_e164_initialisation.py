from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestE164Initialisation(TransactionCase):
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
                   unitel_phone_e164 = NULL,
                   unitel_mobile_e164 = NULL
             WHERE id IN %s
            """,
            (tuple(partners.ids),),
        )
        partners.invalidate_recordset()
        return partners

    def _fill_queries(self):
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.env["res.partner"]._unitel_fill_e164()
        return self.env.cr.sql_log_count - before

    def test_fill_sets_every_contact(self):
        partners = self._insert_contacts(30, 1)
        self._fill_queries()
        by_name = {p.name: p for p in partners}
        self.assertEqual(by_name["Raw 2"].unitel_phone_e164, "+4530000002")
        self.assertEqual(by_name["Raw 1"].unitel_phone_e164, "+4530000001")
        self.assertEqual(by_name["Raw 3"].unitel_mobile_e164, "+31610000003")
        self.assertFalse(by_name["Raw 1"].unitel_mobile_e164)
        # and the lookup finds them
        self.assertEqual(
            self.env["unitel.call"]._unitel_match_number("30000002")[1],
            by_name["Raw 2"],
        )

    def test_fill_clears_values_of_unreadable_numbers(self):
        partner = self._insert_contacts(1, 500)
        self._fill_queries()
        self.assertTrue(partner.unitel_phone_e164)
        self.env.cr.execute(
            "UPDATE res_partner SET phone = 'ring reception' WHERE id = %s",
            (partner.id,),
        )
        self._fill_queries()
        partner.invalidate_recordset()
        self.assertFalse(partner.unitel_phone_e164)

    def test_query_count_does_not_grow_with_contacts(self):
        self._insert_contacts(10, 1000)
        few = self._fill_queries()
        self._insert_contacts(400, 2000)
        many = self._fill_queries()
        self.assertEqual(few, many)
