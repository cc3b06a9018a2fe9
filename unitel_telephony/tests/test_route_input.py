"""Bad input on every route of the addon: a 400/403/404/413 with a plain
message, never a 500, and nothing written."""

import http.client
import json
from urllib.parse import urlsplit

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import UnitelCommon

TOKEN = "route-input-token"
NUL, E_ACUTE, LONG = "%00", "%C3%A9", "1" * 100


@tagged("post_install", "-at_install")
class TestRouteInput(UnitelCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls._unitel_roles()
        cls._set_params(webhook_token=TOKEN)

    def setUp(self):
        super().setUp()
        self.before = self.calls_now()

    def calls_now(self):
        return self.env["unitel.call"].search([])

    def assertNothingWritten(self):
        self.assertEqual(self.calls_now(), self.before)

    def assertPlainRefusal(self, response, statuses=(400,)):
        self.assertIn(response.status_code, statuses, response.text[:300])
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn("Internal Server Error", response.text)

    def raw_request(self, method, path, headers, body=b""):
        """One request over a bare socket: the headers may lie about the body."""
        host = urlsplit(self.base_url())
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        try:
            conn.putrequest(method, path)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders(body)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    # -- /unitel/incoming --------------------------------------------------------
    def test_incoming_bad_query_is_a_400(self):
        self.authenticate("unitel_internal", "unitel_internal_pw1")
        for query in (
            f"number=12345678&called={NUL}",  # issue 14 case 11: was a 500
            f"number={NUL}",
            f"number=1234{NUL}5678",
            f"number=12345678&called={E_ACUTE}",
            f"number=%EF%BC%91%EF%BC%92{LONG[:6]}",  # full-width digits
            f"number={LONG}",
            f"number=12345678&called={LONG}",
            "number=12345678&number=87654321",
            "number=12345678&called=2901&called=2902",
            "called=2901",
            "number=",
            "number=%FF%FE",  # not UTF-8
        ):
            with self.subTest(query=query):
                response = self.url_open(
                    f"/unitel/incoming?{query}", allow_redirects=False
                )
                self.assertPlainRefusal(response)
        self.assertNothingWritten()

    def test_incoming_refuses_portal_users_and_big_bodies(self):
        self.authenticate("unitel_portal", "unitel_portal_pw1")
        response = self.url_open("/unitel/incoming?number=12345678")
        self.assertPlainRefusal(response, (403,))
        self.authenticate("unitel_internal", "unitel_internal_pw1")
        response = self.opener.get(
            self.base_url() + "/unitel/incoming?number=12345678",
            data=b"x" * 20000,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
            timeout=10,
        )
        self.assertPlainRefusal(response, (413,))
        response = self.url_open("/unitel/incoming?number=12345678", data={"a": 1})
        self.assertPlainRefusal(response, (403, 404, 405))
        self.assertNothingWritten()

    # -- /unitel/call ------------------------------------------------------------
    def click(self, **params):
        return self.make_jsonrpc_request("/unitel/call", params)

    def test_click_to_call_bad_params_explain_and_log_nothing(self):
        self.authenticate("unitel_internal", "unitel_internal_pw1")
        for params in (
            {"number": "1234\x005678"},
            {"number": "12345678é"},
            {"number": LONG},
            {"number": ["12345678"]},
            {"number": {"a": 1}},
            {"number": 12345678},
            {"number": "12345678", "res_model": "res.partner", "res_id": "abc"},
            {"number": "12345678", "res_model": ["res.partner"], "res_id": 1},
            {"number": "12345678", "res_model": "res.partner\x00", "res_id": 1},
            {},
        ):
            with self.subTest(params=params):
                result = self.click(**params)
                self.assertFalse(result["ok"])
                self.assertTrue(result["message"])
        self.assertNothingWritten()
        # unknown or abstract models are no documents: the call is logged alone
        result = self.click(number="12345678", res_model="ir.http", res_id=1)
        self.assertTrue(result["ok"], result)
        call = self.env["unitel.call"].browse(result["call_id"])
        self.assertFalse(call.res_model)
        # a phone widget's non-breaking spaces are fine
        self.assertTrue(self.click(number="+45\u00a012\u00a034\u00a056\u00a078")["ok"])

    def test_click_to_call_refuses_portal_big_bodies_and_other_content(self):
        self.authenticate("unitel_portal", "unitel_portal_pw1")
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.click(number="12345678")
        self.authenticate("unitel_internal", "unitel_internal_pw1")
        body = json.dumps(
            {"jsonrpc": "2.0", "params": {"number": "12345678", "pad": "x" * 20000}}
        )
        response = self.url_open(
            "/unitel/call", data=body, headers={"Content-Type": "application/json"}
        )
        self.assertPlainRefusal(response, (413,))
        response = self.url_open(
            "/unitel/call",
            data="number=12345678",
            headers={"Content-Type": "text/plain"},
        )
        self.assertPlainRefusal(response, (400, 404))
        self.assertNothingWritten()

    # -- /unitel/calls -----------------------------------------------------------
    def post(self, body, content_type="application/json", token=TOKEN, path=None):
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if not isinstance(body, bytes | str):
            body = json.dumps(body)
        return self.url_open(path or "/unitel/calls", data=body, headers=headers)

    def test_pbx_notification_bad_payloads_are_a_400(self):
        for payload in (
            {"number": "1234\x005678"},
            {"number": "12345678", "called": "\x00"},
            {"number": "12345678", "call_id": "a\x00b"},
            {"number": "12345678", "extension": "2é"},
            {"number": "12345678é"},
            {"number": LONG},
            {"number": "12345678", "call_id": "c" * 200},
            {"number": 12345678},
            {"number": ["12345678"]},
            {"number": "12345678", "called": {"x": 1}},
            {"number": "12345678", "outcome": ["answered"]},
            {"number": "12345678", "users": {"login": "admin"}},
            {"number": "12345678", "users": ["u"] * 50},
            {"number": "12345678", "users": ["admin\x00"]},
            {"called": "2901"},
        ):
            with self.subTest(payload=payload):
                response = self.post(payload)
                self.assertPlainRefusal(response)
                self.assertIn("error", response.json())
        for body in (b"{not json", b"[1, 2]", b'"12345678"', b"\xff\xfe{}"):
            with self.subTest(body=body):
                self.assertPlainRefusal(self.post(body))
        self.assertNothingWritten()

    def test_pbx_notification_bad_forms_and_content_types(self):
        form = "application/x-www-form-urlencoded"
        for body in (
            "number=12345678&number=87654321",
            "number=12345678&called=%00",
            f"number=12345678&called={E_ACUTE}",
            f"number={LONG}",
        ):
            with self.subTest(body=body):
                self.assertPlainRefusal(self.post(body, form))
        for content_type in ("text/plain", "application/xml", "multipart/form-data"):
            with self.subTest(content_type=content_type):
                response = self.post("number=12345678", content_type)
                self.assertPlainRefusal(response)
        self.assertNothingWritten()

    def test_pbx_notification_token_only_in_a_header(self):
        response = self.post(
            {"number": "12345678"}, token=None, path=f"/unitel/calls?token={TOKEN}"
        )
        self.assertPlainRefusal(response, (403,))
        response = self.post(
            f"number=12345678&token={TOKEN}",
            "application/x-www-form-urlencoded",
            token=None,
        )
        self.assertPlainRefusal(response, (403,))
        self.assertNothingWritten()

    def test_pbx_notification_big_body_is_refused_before_it_is_read(self):
        big = json.dumps({"number": "12345678", "pad": "x" * 20000})
        self.assertPlainRefusal(self.post(big), (413,))
        self.assertPlainRefusal(self.post(big, token=None), (413,))
        # the headers announce 100 MB and only a few bytes follow: a server
        # reading the body whole would wait here until the socket times out
        status, text = self.raw_request(
            "POST",
            "/unitel/calls",
            {
                "Content-Type": "application/json",
                "Content-Length": str(100 * 1024 * 1024),
                "Authorization": f"Bearer {TOKEN}",
            },
            b'{"number": ',
        )
        self.assertEqual(status, 413, text)
        self.assertIn("larger than", text)
        status, text = self.raw_request(
            "POST",
            "/unitel/calls",
            {
                "Content-Type": "application/json",
                "Transfer-Encoding": "chunked",
                "Authorization": f"Bearer {TOKEN}",
            },
            b"5\r\nhello\r\n0\r\n\r\n",
        )
        self.assertIn(status, (400, 413), text)
        self.assertNothingWritten()

    def test_well_formed_notification_still_works(self):
        response = self.post({"number": "12345678", "call_id": 4711})
        self.assertEqual(response.status_code, 200, response.text)
        call = self.env["unitel.call"].browse(response.json()["call_id"])
        self.assertEqual(call.external_id, "4711")
        response = self.post(
            "number=12345678&called=2901", "application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, 200, response.text)
