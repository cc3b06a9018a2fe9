from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import UnitelTransactionCase


@tagged("post_install", "-at_install")
class TestPhoneLookup(UnitelTransactionCase):
    def match(self, number):
        return self.env["unitel.call"]._unitel_match_number(number)

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

    def test_lookup_is_the_shared_e164_equality(self):
        """The caller lookup is partner_phone_e164's one `=` on its indexed
        number table (its own tests check the index), never a LIKE."""
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
        self.assertFalse([q for q in queries if "LIKE" in q.upper()])

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
