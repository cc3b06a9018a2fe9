from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import UnitelTransactionCase


@tagged("post_install", "-at_install")
class TestPhoneLookup(UnitelTransactionCase):
    def match(self, number):
        return self.env["unitel.call"]._unitel_match_number(number)

    def test_stored_e164_values(self):
        self.assertEqual(self.hansen.phone_e164, "+4512345678")
        self.assertEqual(self.jensen.mobile_e164, "+4587654321")
        self.assertEqual(self.de_vries.mobile_e164, "+31623456789")
        self.assertEqual(self.de_vries.phone_e164, "+31201234567")
        self.assertEqual(self.byg.phone_e164, "+4570809010")
        self.assertEqual(self.lars.phone_e164, "+4570809010")

    def test_stored_values_follow_edits(self):
        self.hansen.phone = "32 12 34 56"
        self.assertEqual(self.hansen.phone_e164, "+4532123456")
        self.hansen.phone = "not a number"
        self.assertFalse(self.hansen.phone_e164)
        # a national number belongs to the contact's own country
        self.jensen.write({"mobile": "06 87654321", "country_id": self.nl.id})
        self.assertEqual(self.jensen.mobile_e164, "+31687654321")

    def test_danish_caller_in_every_format(self):
        for number in (
            "+45 12 34 56 78",
            "+4512345678",
            "004512345678",
            "12345678",
            "12 34 56 78",
            "tel:+4512345678",
        ):
            with self.subTest(number=number):
                e164, partners = self.match(number)
                self.assertEqual(e164, "+4512345678")
                self.assertEqual(partners, self.hansen)

    def test_dutch_caller_in_every_format(self):
        for number in ("+31 6 2345 6789", "+31623456789", "0031623456789"):
            with self.subTest(number=number):
                self.assertEqual(self.match(number)[1], self.de_vries)
        # the landline of the same contact matches too
        self.assertEqual(self.match("+31 20 123 4567")[1], self.de_vries)

    def test_mobile_field_matches(self):
        self.assertEqual(self.match("87654321")[1], self.jensen)

    def test_several_and_none(self):
        self.assertEqual(self.match("+45 70 80 90 10")[1], self.byg | self.lars)
        self.assertFalse(self.match("+45 99 99 99 99")[1])

    def test_archived_contacts_do_not_match(self):
        self.lars.active = False
        self.assertEqual(self.match("70809010")[1], self.byg)

    def test_unreadable_number_is_a_clear_error(self):
        with self.assertRaisesRegex(UserError, "is not a phone number"):
            self.match("anonymous")
        with self.assertRaisesRegex(UserError, "too few digits"):
            self.match("123")
        with self.assertRaisesRegex(UserError, "No phone number"):
            self.match("")

    def test_national_number_without_company_country(self):
        self.env.company.partner_id.country_id = False
        with self.assertRaisesRegex(UserError, "no country code"):
            self.match("12345678")
        # international numbers still work
        self.assertEqual(self.match("+4512345678")[1], self.hansen)

    def test_lookup_uses_the_e164_index_not_like(self):
        """The lookup SQL is one `=` on the indexed E.164 lookup table, never
        LIKE, and PostgreSQL answers it from the index."""
        queries = []
        cr = self.env.cr
        execute = cr.execute

        def spy(query, params=None, log_exceptions=True):
            queries.append(cr.mogrify(query, params).decode())
            return execute(query, params, log_exceptions)

        self.env.flush_all()
        cr.execute = spy
        try:
            self.match("12345678")
        finally:
            cr.execute = execute
        lookup = [q for q in queries if "partner_phone_e164_number" in q]
        self.assertEqual(len(lookup), 1)
        self.assertIn("e164 = '+4512345678'", lookup[0])
        self.assertNotIn("LIKE", lookup[0].upper())
        self.assertNotIn("REGEXP", lookup[0].upper())
        self.assertFalse([q for q in queries if "LIKE" in q.upper()])
        cr.execute("SET LOCAL enable_seqscan = off")
        cr.execute("EXPLAIN " + lookup[0])
        plan = "\n".join(row[0] for row in cr.fetchall())
        cr.execute("SET LOCAL enable_seqscan = on")
        self.assertIn("partner_phone_e164_number_e164_index", plan)
        # the E.164 columns on res_partner are indexed too (search field)
        cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'res_partner' "
            "AND indexname LIKE 'res_partner\\_\\_%%e164\\_index'"
        )
        self.assertEqual(
            {row[0] for row in cr.fetchall()},
            {
                "res_partner__phone_e164_index",
                "res_partner__mobile_e164_index",
            },
        )

    def test_search_field_accepts_any_format(self):
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner.search([("phone_e164_search", "=", "0045 12 34 56 78")]),
            self.hansen,
        )
        self.assertFalse(Partner.search([("phone_e164_search", "=", "nonsense")]))

    def test_users_found_by_own_number_or_extension(self):
        user = self.env["res.users"].create(
            {
                "name": "Sælger",
                "login": "saelger@example.dk",
                "unitel_own_number": "2951",
            }
        )
        other = self.env["res.users"].create(
            {
                "name": "Anden",
                "login": "anden@example.dk",
                "unitel_own_number": "+45 70 95 95 95",
            }
        )
        Users = self.env["res.users"]
        self.assertEqual(Users._unitel_users_for_number("2951", "DK"), user)
        self.assertEqual(Users._unitel_users_for_number("70959595", "DK"), other)
        self.assertFalse(Users._unitel_users_for_number("999", "DK"))
        # users set their own number in their preferences
        user.with_user(user).write({"unitel_own_number": "2952"})
        self.assertEqual(user.with_user(user).unitel_own_number, "2952")


@tagged("post_install", "-at_install")
class TestTelephonySettings(UnitelTransactionCase):
    def test_renormalise_button_recomputes_every_contact(self):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET phone_e164 = NULL WHERE id = %s",
            (self.hansen.id,),
        )
        settings = self.env["res.config.settings"].create({})
        result = settings.action_unitel_renormalise_numbers()
        self.assertEqual(result["params"]["type"], "success")
        self.hansen.invalidate_recordset()
        self.assertEqual(self.hansen.phone_e164, "+4512345678")

    def test_generate_webhook_token(self):
        settings = self.env["res.config.settings"].create({})
        settings.action_unitel_generate_webhook_token()
        token = self.env["unitel.call"]._unitel_param("webhook_token")
        self.assertGreaterEqual(len(token), 40)
        settings.action_unitel_generate_webhook_token()
        self.assertNotEqual(
            self.env["unitel.call"]._unitel_param("webhook_token"), token
        )

    def test_token_fields_are_for_system_administrators_only(self):
        fields = self.env["res.config.settings"]._fields
        for name in ("unitel_api_token", "unitel_webhook_token"):
            self.assertEqual(fields[name].groups, "base.group_system")

    def test_other_company_calls_are_hidden(self):
        other = self.env["res.company"].create({"name": "Andet Selskab ApS"})
        call = self.env["unitel.call"].create(
            {"direction": "incoming", "number": "+4512345678", "company_id": other.id}
        )
        user = self.env["res.users"].create(
            {
                "name": "Kun Hovedselskab",
                "login": "kun@example.dk",
                "groups_id": [Command.set([self.env.ref("base.group_user").id])],
            }
        )
        self.assertFalse(
            self.env["unitel.call"].with_user(user).search([("id", "=", call.id)])
        )
