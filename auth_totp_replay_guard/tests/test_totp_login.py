"""Two-factor login with a standard authenticator app (RFC 6238 via pyotp)."""

import time

import pyotp

from odoo import http
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged
from odoo.tests.common import HOST, Opener


@tagged("post_install", "-at_install")
class TestTotpLogin(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, "totp_user", password="totp_user_pw", groups="base.group_user"
        )
        cls.secret = pyotp.random_base32()
        cls.user.sudo().totp_secret = cls.secret
        cls.totp = pyotp.TOTP(cls.secret)

    def setUp(self):
        super().setUp()
        # A browser-like session, as web's own login tests do, to get CSRF tokens.
        self.session = http.root.session_store.new()
        self.session.update(http.get_default_session(), db=get_db_name())
        self.opener = Opener(self.env.cr)
        self.opener.cookies.set("session_id", self.session.sid, domain=HOST, path="/")

    def _password_step(self):
        response = self.url_open(
            "/web/login",
            data={
                "login": "totp_user",
                "password": "totp_user_pw",
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertTrue(response.url.endswith("/web/login/totp"), response.url)
        return response

    def _code_step(self, code):
        return self.url_open(
            "/web/login/totp",
            data={"totp_token": code, "csrf_token": http.Request.csrf_token(self)},
        )

    def _reaches_backend(self):
        response = self.url_open("/odoo")
        return response.ok and "/web/login" not in response.url

    def _fresh_code(self):
        # Keep clear of a time-step boundary so the code cannot expire mid-test.
        if 30 - time.time() % 30 < 3:
            time.sleep(3)
        return self.totp.now()

    def test_login_with_authenticator_code(self):
        self._password_step()
        self.assertFalse(self._reaches_backend(), "password alone must not log in")
        response = self._code_step(self._fresh_code())
        self.assertNotIn("/web/login", response.url)
        self.assertTrue(self._reaches_backend())
        self.assertEqual(self.user.sudo().totp_last_counter, int(time.time()) // 30)

    def test_wrong_code_refused(self):
        self._password_step()
        code = self._fresh_code()
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        response = self._code_step(wrong)
        self.assertTrue(response.url.endswith("/web/login/totp"))
        self.assertIn("Verification failed", response.text)
        self.assertFalse(self._reaches_backend())

    def test_replayed_code_refused(self):
        self._password_step()
        code = self._fresh_code()
        self._code_step(code)
        self.assertTrue(self._reaches_backend())
        # An eavesdropper replays the same code in a new session.
        self.setUp()
        self._password_step()
        response = self._code_step(code)
        self.assertIn("already been used", response.text)
        self.assertFalse(self._reaches_backend())
        # The next code of the app still works.
        time.sleep(30 - time.time() % 30 + 0.5)
        self._code_step(self.totp.now())
        self.assertTrue(self._reaches_backend())
