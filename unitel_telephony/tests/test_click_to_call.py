from unittest.mock import patch

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.originate import ORIGINATE_PATH, FakeOriginate

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException, _super_send

from .common import UnitelCommon

TOKEN = "pbx-token-1"


@tagged("post_install", "-at_install")
class TestClickToCall(UnitelCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls.user = cls._unitel_user("unitel_caller", "Karen Kald")
        cls.user.unitel_own_number = "2901"
        cls.fake = FakeOriginate(token=TOKEN).start()
        cls.addClassCleanup(cls.fake.stop)

    @classmethod
    def _request_handler(cls, s, r, **kw):
        # Odoo's test guard raises every timeout below 10 s to 10 s; the fake
        # PBX is on loopback, so keep the configured timeout to test it quickly.
        if r.url.startswith(cls.fake.url):
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.fake.requests.clear()
        self.authenticate("unitel_caller", "unitel_caller_pw1")

    def use_api(self, **overrides):
        params = {
            "call_mode": "api",
            "api_url": self.fake.originate_url,
            "api_method": "POST",
            "api_headers": "Authorization: Bearer {token}",
            "api_token": TOKEN,
            "api_body_template": '{"from": "{from}", "to": "{to}"}',
            "api_success_path": "success",
            "api_error_path": "error.message",
            "api_timeout": "2",
        }
        params.update(overrides)
        self._set_params(**params)

    def call(self, number, record):
        return self.make_jsonrpc_request(
            "/unitel/call",
            {"number": number, "res_model": record._name, "res_id": record.id},
        )

    def outgoing(self):
        return self.new_calls("outgoing")

    # -- HTTP API mode -------------------------------------------------------
    def test_api_success_originates_and_logs(self):
        self.use_api()
        result = self.call("+45 12 34 56 78", self.hansen)
        self.assertTrue(result["ok"], result)
        self.assertIn("2901", result["message"])
        (request,) = self.fake.calls("POST", ORIGINATE_PATH)
        self.assertEqual(request.json(), {"from": "2901", "to": "+4512345678"})
        self.assertEqual(request.headers["authorization"], f"Bearer {TOKEN}")
        call = self.outgoing()
        self.assertEqual(call.id, result["call_id"])
        self.assertEqual(call.partner_id, self.hansen)
        self.assertEqual(call.user_id, self.user)
        self.assertEqual(call.number, "+4512345678")
        self.assertFalse(call.outcome)
        self.assertIn("Outgoing call to Hansen A/S", self.hansen.message_ids[0].body)

    def test_api_national_number_uses_the_contact_country(self):
        self.use_api()
        self.call("06 23456789", self.de_vries)
        (request,) = self.fake.calls("POST", ORIGINATE_PATH)
        self.assertEqual(request.json()["to"], "+31623456789")

    def test_api_refused_4xx(self):
        self.use_api(api_token="wrong-token")
        result = self.call("12345678", self.hansen)
        self.assertFalse(result["ok"])
        self.assertEqual(
            result["message"],
            "The telephony server refused the call (HTTP 401): Invalid token",
        )
        self.assertNotIn("wrong-token", result["message"])
        call = self.outgoing()
        self.assertEqual(call.outcome, "failed")
        self.assertEqual(call.error_message, result["message"])

    def test_api_server_error_5xx(self):
        self.use_api()
        self.fake.queue(
            "POST", ORIGINATE_PATH, Reply(502, {"error": {"message": "Trunk down"}})
        )
        result = self.call("12345678", self.hansen)
        self.assertFalse(result["ok"])
        self.assertIn("has a problem (HTTP 502): Trunk down", result["message"])
        self.assertEqual(self.outgoing().outcome, "failed")

    def test_api_timeout(self):
        self.use_api(api_timeout="1")
        self.fake.queue("POST", ORIGINATE_PATH, Reply(200, {"success": True}, delay=3))
        result = self.call("12345678", self.hansen)
        self.assertFalse(result["ok"])
        self.assertIn("did not answer within 1 seconds", result["message"])
        self.assertEqual(self.outgoing().outcome, "failed")

    def test_api_rejected_by_json_path(self):
        self.use_api()
        self.fake.queue(
            "POST",
            ORIGINATE_PATH,
            Reply(200, {"success": False, "error": {"message": "Extension busy"}}),
        )
        result = self.call("12345678", self.hansen)
        self.assertFalse(result["ok"])
        self.assertIn("Extension busy", result["message"])

    def test_api_errors_speak_the_users_language(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["unitel_telephony"], ["da_DK"], overwrite=True
        )
        self.user.lang = "da_DK"
        self.authenticate("unitel_caller", "unitel_caller_pw1")  # session in Danish
        self.use_api()
        self.user.unitel_own_number = False
        result = self.call("12345678", self.hansen)
        self.assertEqual(
            result["message"],
            "Opkald via telefoni-API'et er ikke sat op: dit eget nummer eller "
            "lokalnummer er ikke angivet i dine præferencer",
        )

    def test_api_without_own_number_explains(self):
        self.use_api()
        self.user.unitel_own_number = False
        result = self.call("12345678", self.hansen)
        self.assertFalse(result["ok"])
        self.assertIn("own number or extension", result["message"])
        self.assertFalse(self.fake.requests)

    # -- who may make the PBX place a call -------------------------------------
    def test_portal_user_never_reaches_the_pbx(self):
        self.use_api()
        self._unitel_roles()
        # portal users get no own number any more; one stored before that
        self.env.cr.execute(
            "UPDATE res_users SET unitel_own_number = '2902' WHERE id = %s",
            self.roles["portal"].ids,
        )
        self.authenticate("unitel_portal", "unitel_portal_pw1")
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.call("12345678", self.roles["portal"].partner_id)
        # nor through the model: the entry point is private
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/unitel.call/_unitel_click_to_call",
                {
                    "model": "unitel.call",
                    "method": "_unitel_click_to_call",
                    "args": ["12345678"],
                    "kwargs": {},
                },
            )
        self.assertFalse(self.fake.requests)
        self.assertFalse(self.outgoing())

    def test_each_role_with_an_own_number_may_call(self):
        self.use_api()
        self._unitel_roles()
        for extension, role in enumerate(
            ("internal", "salesperson", "manager", "admin"), start=301
        ):
            with self.subTest(role=role):
                self.fake.requests.clear()
                self.roles[role].unitel_own_number = str(extension)
                self.authenticate(f"unitel_{role}", f"unitel_{role}_pw1")
                result = self.call("12345678", self.hansen)
                self.assertTrue(result["ok"], result)
                (request,) = self.fake.calls("POST", ORIGINATE_PATH)
                self.assertEqual(request.json()["from"], str(extension))
                call = self.env["unitel.call"].browse(result["call_id"])
                self.assertEqual(call.user_id, self.roles[role])

    def test_unreadable_document_is_refused_before_the_pbx_is_asked(self):
        self.use_api()
        other_company = self.env["res.company"].create({"name": "Anden ApS"})
        secret = self.env["res.partner"].create(
            {"name": "Hemmelig", "phone": "+4512121212", "company_id": other_company.id}
        )
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.call("+4512121212", secret)
        self.assertFalse(self.fake.requests)
        self.assertFalse(self.outgoing())
        self.assertFalse(secret.message_ids.filtered(lambda m: "call" in m.body))

    def test_own_number_must_be_an_extension_or_a_phone_number(self):
        for forged in ("{token}", "201 {token}", "sip:201@pbx", "ring me"):
            with self.subTest(forged=forged):
                with self.assertRaises(JsonRpcException):
                    self.make_jsonrpc_request(
                        "/web/dataset/call_kw/res.users/write",
                        {
                            "model": "res.users",
                            "method": "write",
                            "args": [[self.user.id], {"unitel_own_number": forged}],
                            "kwargs": {},
                        },
                    )
                with self.assertRaises(ValidationError):
                    self.user.with_user(self.user).unitel_own_number = forged
        self.assertEqual(self.user.unitel_own_number, "2901")
        self.user.with_user(self.user).unitel_own_number = "+45 70 12 34 56"
        self.assertEqual(self.user.unitel_own_number, "+45 70 12 34 56")

    def test_forged_own_number_from_before_the_check_is_never_dialled(self):
        """A value stored before the check existed: refused at call time and
        never expanded into the token."""
        self.use_api(api_headers="Authorization: Bearer {token}\nX-From: {from}")
        self.env.cr.execute(
            "UPDATE res_users SET unitel_own_number = '{token}' WHERE id = %s",
            [self.user.id],
        )
        self.user.invalidate_recordset(["unitel_own_number"])
        result = self.call("12345678", self.hansen)
        self.assertFalse(result["ok"])
        self.assertIn("is not an extension or a phone number", result["message"])
        self.assertFalse(self.fake.requests)
        self.assertEqual(self.outgoing().outcome, "failed")

    def test_token_only_travels_in_a_header(self):
        self.use_api(api_url=self.fake.originate_url + "?key={token}")
        result = self.call("12345678", self.hansen)
        self.assertFalse(result["ok"])
        self.assertIn("only be sent in a header", result["message"])
        self.use_api(api_body_template='{"from": "{from}", "key": "{token}"}')
        self.assertFalse(self.call("12345678", self.hansen)["ok"])
        self.assertFalse(self.fake.requests)
        # and Settings refuse to save such a configuration
        with self.assertRaisesRegex(ValidationError, "only be sent in a header"):
            self.env["res.config.settings"].create(
                {"unitel_api_url": "https://pbx.example.dk/call?key={token}"}
            )

    # -- link modes ------------------------------------------------------------
    def test_tel_mode_only_logs(self):
        self._set_params(call_mode="tel", api_url=self.fake.originate_url)
        result = self.call("87 65 43 21", self.jensen)
        self.assertTrue(result["ok"])
        self.assertEqual(result["mode"], "tel")
        self.assertFalse(self.fake.requests, "tel: mode never calls the API")
        self.assertEqual(self.outgoing().partner_id, self.jensen)

    # -- a question before dialling (hook for other addons) ----------------------
    def call_with(self, confirmations):
        return self.make_jsonrpc_request(
            "/unitel/call",
            {
                "number": "+4512345678",
                "res_model": "res.partner",
                "res_id": self.hansen.id,
                "confirmations": confirmations,
            },
        )

    def test_hook_question_stops_the_call_until_answered(self):
        self.use_api()
        Call = type(self.env["unitel.call"])
        question = {
            "key": "checked",
            "title": "Sure?",
            "message": "Really call?",
            "confirm_label": "Yes",
        }
        answered = []

        def before_dial(model, partner, e164, confirmations):
            return None if "checked" in confirmations else question

        def on_dial(call, confirmations):
            answered.append((call.partner_id, confirmations))

        with (
            patch.object(Call, "_unitel_before_dial", before_dial),
            patch.object(Call, "_unitel_on_dial", on_dial),
        ):
            result = self.call_with([])
            self.assertEqual(result["confirm"], question)
            self.assertFalse(result["ok"])
            self.assertFalse(self.fake.requests, "nothing dialled")
            self.assertFalse(self.outgoing(), "nothing logged")
            result = self.call_with(["checked"])
        self.assertTrue(result["ok"], result)
        self.assertEqual(len(self.fake.calls("POST", ORIGINATE_PATH)), 1)
        self.assertEqual(answered, [(self.hansen, frozenset({"checked"}))])

    def test_malformed_confirmations_are_refused_plainly(self):
        self.use_api()
        for bad in ("yes", {"a": 1}, [1], ["a"] * 6, ["x" * 500], ["nul\x00"]):
            with self.subTest(bad=bad):
                result = self.call_with(bad)
                self.assertFalse(result["ok"])
                self.assertIn("malformed", result["message"])
        self.assertFalse(self.fake.requests)
        self.assertFalse(self.outgoing())
        # an answer to a question nobody asked changes nothing
        self.assertTrue(self.call_with(["anything"])["ok"])

    def test_unreadable_number_is_refused_in_plain_words(self):
        result = self.call("call reception", self.hansen)
        self.assertFalse(result["ok"])
        self.assertIn("is not a phone number", result["message"])
        self.assertFalse(self.outgoing())

    def test_call_from_another_document_is_logged_on_it(self):
        """Leads and other documents: the call is logged with the record and
        its contact, without depending on their addon."""
        self._set_params(call_mode="tel")
        user_record = self.env["res.users"].create(
            {"name": "Kollega", "login": "kollega@example.dk", "phone": "12345678"}
        )
        result = self.call("12345678", user_record)
        call = self.env["unitel.call"].browse(result["call_id"])
        self.assertEqual((call.res_model, call.res_id), ("res.users", user_record.id))
        self.assertEqual(call.partner_id, user_record.partner_id)

    def test_session_tells_the_browser_the_mode(self):
        self._set_params(call_mode="callto")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["unitel_call_mode"], "callto")

    def test_call_buttons_in_the_browser(self):
        """A click on the call button in tel: mode logs the call."""
        self._set_params(call_mode="tel")
        self.start_tour(
            f"/odoo/contacts/{self.jensen.id}",
            "unitel_click_to_call",
            login="unitel_caller",
        )
        self.assertEqual(self.outgoing().partner_id, self.jensen)

    def test_settings_page(self):
        """An administrator switches to HTTP API mode and fills in the API."""
        self.start_tour(
            "/odoo/action-unitel_telephony.res_config_settings_action",
            "unitel_settings",
            login="admin",
        )
        self.assertEqual(self.env["unitel.call"]._unitel_call_mode(), "api")
        self.assertEqual(
            self.env["unitel.call"]._unitel_param("api_url"),
            "https://pbx.example.dk/api/originate",
        )
