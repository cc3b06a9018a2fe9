import json
import re
from urllib.parse import parse_qs, urlencode, urlparse

from odoo.tests import HttpCase, tagged

from .common import SubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestRoutesRefuseBadInput(SubscriptionsCase, HttpCase):
    """Every route of the addon answers bad input with a 4xx and writes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_marketing.password = "user_marketing_pw1"

    def setUp(self):
        super().setUp()
        self.mailing = self._create_partner_mailing(self.type_offers)

    def _snapshot(self):
        self.env.invalidate_all()
        return (
            self.env["consent.event"].search_count([]),
            self.env["mail.blacklist"].with_context(active_test=False).search_count([]),
            {
                p.id: (p.emarketing_state, p.subscription_type_ids.ids)
                for p in self.partners
            },
        )

    def _oneclick_params(self, partner):
        email = partner.email_normalized
        return {
            "document_id": str(partner.id),
            "email": email,
            "hash_token": self.mailing._generate_mailing_recipient_token(
                partner.id, email
            ),
        }

    def _oneclick(self, params, raw_query=None):
        query = raw_query if raw_query is not None else urlencode(params)
        return self.url_open(
            f"/mailing/{self.mailing.id}/unsubscribe_oneclick?{query}",
            data={"List-Unsubscribe": "One-Click"},
        )

    def _csrf(self, path):
        html = self.url_open(path).text
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    # ------------------------------------------------------------------
    # Issue 14 case 10: one-click requires its token, for everyone
    # ------------------------------------------------------------------
    def test_oneclick_needs_the_token_even_for_mailing_users(self):
        self.authenticate("user_marketing", "user_marketing_pw1")
        before = self._snapshot()
        good = self._oneclick_params(self.p_offers)
        attempts = {
            "no token": {"document_id": good["document_id"], "email": good["email"]},
            "nothing at all": {},
            "wrong token": dict(good, hash_token="0" * 128),
            "token of another contact": dict(
                good, hash_token=self._oneclick_params(self.p_newsletter)["hash_token"]
            ),
        }
        for switch in (True, False):
            self._set_privacy(switch)
            for label, params in attempts.items():
                with self.subTest(switch=switch, attempt=label):
                    response = self._oneclick(params)
                    self.assertIn(response.status_code, (400, 401, 403))
                    self.assertEqual(self._snapshot(), before)
        self._set_privacy(True)
        response = self._oneclick(good)
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertNotIn(self.type_offers, self.p_offers.subscription_type_ids)

    def test_cross_site_form_cannot_withdraw_anybody(self):
        """A page elsewhere posting to the one-click route in the marketer's
        browser: no token, no effect, whatever contact it names."""
        self.authenticate("user_marketing", "user_marketing_pw1")
        untyped = self._create_partner_mailing(partners=self.p_newsletter)
        before = self._snapshot()
        response = self.url_open(
            f"/mailing/{untyped.id}/unsubscribe_oneclick",
            data={
                "document_id": str(self.p_newsletter.id),
                "email": self.p_newsletter.email,
            },
            headers={
                "Origin": "https://evil.example",
                "Referer": "https://evil.example/",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self.p_newsletter.emarketing_state, "active")

    def test_oneclick_malformed_parameters(self):
        good = self._oneclick_params(self.p_offers)
        before = self._snapshot()
        bad_queries = [
            urlencode(dict(good, document_id="abc")),
            urlencode(dict(good, document_id="²")),
            urlencode(dict(good, document_id="9" * 40)),
            urlencode(dict(good, email="olga@example.com\x00x")),
            urlencode(dict(good, email="o" * 5000 + "@example.com")),
            urlencode(dict(good, hash_token="é" * 128)),
            urlencode(dict(good, hash_token="a\x00b")),
            urlencode(good) + f"&document_id={self.p_newsletter.id}",
            urlencode(good) + "&hash_token=" + "0" * 128,
        ]
        for query in bad_queries:
            with self.subTest(query=query[:80]):
                response = self._oneclick(None, raw_query=query)
                self.assertEqual(response.status_code, 400, response.text[:200])
        # An unknown mailing reveals nothing and changes nothing.
        response = self.url_open(
            f"/mailing/99999999/unsubscribe_oneclick?{urlencode(good)}",
            data={"List-Unsubscribe": "One-Click"},
        )
        self.assertEqual(response.status_code, 403)
        # An oversized body is refused before it is read.
        response = self.url_open(
            f"/mailing/{self.mailing.id}/unsubscribe_oneclick?{urlencode(good)}",
            data=b"x" * (64 * 1024),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._snapshot(), before)

    def test_confirm_unsubscribe_malformed_parameters(self):
        good = self._oneclick_params(self.p_offers)
        for params in (
            dict(good, document_id="²"),
            dict(good, email="a\x00b@example.com"),
            dict(good, hash_token="é"),
            {"hash_token": good["hash_token"]},
        ):
            with self.subTest(params=str(params)[:80]):
                response = self.url_open(
                    f"/mailing/{self.mailing.id}/confirm_unsubscribe?{urlencode(params)}"
                )
                self.assertEqual(response.status_code, 400)
        response = self.url_open(
            f"/mailing/{self.mailing.id}/confirm_unsubscribe?{urlencode(good)}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.url.endswith(self.p_offers._subscription_preferences_path())
        )

    # ------------------------------------------------------------------
    # Issue 14 case 11: the preferences page
    # ------------------------------------------------------------------
    def test_preferences_bad_tokens_are_404(self):
        pid = self.p_offers.id
        for token in ("%C3%A9", "a%00b", "é" * 64, "0" * 10000, "%FF%FE"):
            with self.subTest(token=token[:20]):
                response = self.url_open(f"/mailing/preferences/{pid}/{token}")
                self.assertIn(response.status_code, (400, 404))
                self.assertNotIn("Olga", response.text)
        response = self.url_open(f"/mailing/preferences/{'9' * 30}/abc")
        self.assertEqual(response.status_code, 404)

    def test_preferences_post_bad_form_writes_nothing(self):
        path = self.p_offers._subscription_preferences_path()
        csrf = self._csrf(path)
        before = self._snapshot()
        offers = str(self.type_offers.id)
        bad_forms = {
            "superscript digit": "action=save&subscription_type_ids=%C2%B2",
            "unknown type": "action=save&emarketing=1&subscription_type_ids=99999999",
            "overlong id": "action=save&subscription_type_ids=" + "9" * 50,
            "NUL in id": f"action=save&subscription_type_ids={offers}%00",
            "missing action": f"emarketing=1&subscription_type_ids={offers}",
            "unknown action": "action=delete_everything",
            "repeated action": "action=save&action=withdraw_all",
            "repeated switch": "action=save&emarketing=1&emarketing=0",
            "odd switch": "action=save&emarketing=%C3%A9",
        }
        for label, body in bad_forms.items():
            with self.subTest(form=label):
                response = self.url_open(
                    path,
                    data=f"csrf_token={csrf}&{body}".encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                self.assertEqual(response.status_code, 400, response.text[:300])
        # JSON instead of the form, the CSRF token in the query string.
        response = self.url_open(
            f"{path}?csrf_token={csrf}",
            data=json.dumps({"action": "withdraw_all"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 400)
        response = self.url_open(
            path,
            data=f"csrf_token={csrf}&action=withdraw_all&pad={'x' * 70000}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertEqual(response.status_code, 400)
        response = self.url_open(f"{path}?a=1&a=2")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._snapshot(), before)
        # The page's own form still works.
        response = self.url_open(
            path,
            data={
                "csrf_token": csrf,
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": [offers],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_offers)

    def test_my_subscriptions_needs_a_login(self):
        response = self.url_open("/my/subscriptions", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        self.assertFalse(
            parse_qs(urlparse(response.headers["Location"]).query).get("token")
        )
