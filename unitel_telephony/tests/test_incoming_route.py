import re
from urllib.parse import parse_qs, urlsplit

from odoo.tests import HttpCase, tagged

from .common import UnitelCommon

OPEN_CALLER = "unitel_telephony.unitel_call_action_open_caller"


@tagged("post_install", "-at_install")
class TestIncomingRoute(UnitelCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls.user = cls._unitel_user("unitel_seller", "Sælger Sørensen")

    def calls(self):
        return self.new_calls("incoming")

    def get(self, url):
        return self.url_open(url, allow_redirects=False)

    def test_one_match_opens_the_contact(self):
        self.authenticate("unitel_seller", "unitel_seller_pw1")
        for number in (
            "%2B4512345678",
            "+4512345678",  # unencoded: arrives as " 4512345678"
            "004512345678",
            "12345678",
            "%2B45+12+34+56+78",
        ):
            with self.subTest(number=number):
                response = self.get(f"/unitel/incoming?number={number}&called=2901")
                self.assertEqual(response.status_code, 303)
                self.assertEqual(
                    urlsplit(response.headers["Location"]).path,
                    f"/odoo/contacts/{self.hansen.id}",
                )
        call = self.calls()[0]
        self.assertEqual(call.partner_id, self.hansen)
        self.assertEqual(call.number, "+4512345678")
        self.assertEqual(call.called_number, "2901")
        self.assertEqual(call.user_id, self.user)
        self.assertEqual(call.source, "popup")
        self.assertEqual(len(self.calls()), 5)
        # and the contact's chatter tells it
        self.assertIn("Incoming call from Hansen A/S", self.hansen.message_ids[0].body)

    def test_dutch_number_opens_the_dutch_contact(self):
        self.authenticate("unitel_seller", "unitel_seller_pw1")
        for number in ("%2B31+6+2345+6789", "+31623456789", "0031623456789"):
            with self.subTest(number=number):
                response = self.get(f"/unitel/incoming?number={number}")
                self.assertEqual(
                    urlsplit(response.headers["Location"]).path,
                    f"/odoo/contacts/{self.de_vries.id}",
                )

    def test_several_matches_open_a_list_of_them(self):
        self.authenticate("unitel_seller", "unitel_seller_pw1")
        response = self.get("/unitel/incoming?number=70809010")
        call = self.calls()[0]
        self.assertFalse(call.partner_id)
        self.assertEqual(
            urlsplit(response.headers["Location"]).path,
            f"/odoo/{call.id}/action-{OPEN_CALLER}",
        )
        # what the web client runs there: the server action with active_id
        action = (
            self.env.ref(OPEN_CALLER)
            .with_user(self.user)
            .with_context(active_id=call.id)
            .run()
        )
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["views"][0][1], "list")
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]), self.byg | self.lars
        )

    def test_no_match_opens_a_new_contact_with_the_number(self):
        self.authenticate("unitel_seller", "unitel_seller_pw1")
        response = self.get("/unitel/incoming?number=0031201112233")
        call = self.calls()[0]
        self.assertEqual(call.number, "+31201112233")
        self.assertIn(
            f"/odoo/{call.id}/action-{OPEN_CALLER}", response.headers["Location"]
        )
        action = call.with_user(self.user).action_open_caller()
        self.assertEqual(action["views"], [(False, "form")])
        self.assertFalse(action.get("res_id"))
        self.assertEqual(action["context"]["default_phone"], "+31 20 111 2233")
        # saving that form links the call to the new contact
        partner = (
            self.env["res.partner"]
            .with_user(self.user)
            .with_context(**action["context"])
            .create({"name": "Nieuwe Klant"})
        )
        self.assertEqual(partner.phone, "+31 20 111 2233")
        self.assertEqual(call.partner_id, partner)

    def test_mobile_number_prefills_the_mobile_field(self):
        self.authenticate("unitel_seller", "unitel_seller_pw1")
        self.get("/unitel/incoming?number=%2B31687654321")
        action = self.calls()[0].action_open_caller()
        self.assertEqual(action["context"]["default_mobile"], "+31 6 87654321")

    def test_unreadable_number_shows_why_and_logs_nothing(self):
        self.authenticate("unitel_seller", "unitel_seller_pw1")
        response = self.get("/unitel/incoming?number=anonymous")
        self.assertEqual(response.status_code, 400)
        self.assertIn("is not a phone number", response.text)
        response = self.get("/unitel/incoming")
        self.assertEqual(response.status_code, 400)
        self.assertIn("No phone number was given", response.text)
        self.assertFalse(self.calls())

    def test_login_round_trip(self):
        """Not logged in: login page first, then straight back to the caller."""
        self.authenticate(None, None)
        # a browser that has never seen Odoo: the server hands out the session
        # cookie itself (and rotates it at login)
        del self.opener.cookies["session_id"]
        response = self.get("/unitel/incoming?number=12345678")
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, "/web/login")
        redirect = parse_qs(location.query)["redirect"][0]
        self.assertEqual(redirect, "/unitel/incoming?number=12345678")
        self.assertFalse(self.calls(), "nothing is logged before the login")

        # log in through the real form, as the person at the phone would
        page = self.url_open(response.headers["Location"])
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/web/login",
            data={
                "login": "unitel_seller",
                "password": "unitel_seller_pw1",
                "csrf_token": csrf,
                "redirect": redirect,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            urlsplit(response.url).path,
            f"/odoo/contacts/{self.hansen.id}",
            re.findall(r"alert-danger[^>]*>([^<]*)", response.text),
        )
        hops = [urlsplit(r.headers["Location"]).path for r in response.history]
        self.assertIn("/unitel/incoming", hops)
        self.assertEqual(self.calls().user_id, self.user)

    def test_popup_in_the_browser(self):
        """The web client really shows the list, and the prefilled new contact."""
        self.start_tour(
            "/unitel/incoming?number=70809010",
            "unitel_incoming_several",
            login="unitel_seller",
        )
        self.start_tour(
            "/unitel/incoming?number=%2B4540404040",
            "unitel_incoming_new_contact",
            login="unitel_seller",
        )
        partner = self.env["res.partner"].search([("name", "=", "Ny Kunde ApS")])
        self.assertEqual(partner.phone_e164, "+4540404040")
        call = self.env["unitel.call"].search([("number", "=", "+4540404040")])
        self.assertEqual(call.partner_id, partner)
