from nordic_crm_fakes.originate import ORIGINATE_PATH, FakeOriginate

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException, _super_send

from odoo.addons.unitel_telephony.tests.common import UnitelCommon

TOKEN = "pbx-token-consent"


@tagged("post_install", "-at_install")
class TestServiceCall(UnitelCommon, HttpCase):
    """A contact protected from marketing (Reklamebeskyttet) or who withdrew
    phone marketing is dialled only once the caller says it is a service call;
    the answer and the legal basis at that moment stay on the call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls._unitel_roles()
        for extension, role in enumerate(
            ("internal", "salesperson", "manager", "admin"), start=401
        ):
            cls.roles[role].unitel_own_number = str(extension)
        cls.fake = FakeOriginate(token=TOKEN).start()
        cls.addClassCleanup(cls.fake.stop)
        cls._set_params(
            call_mode="api",
            api_url=cls.fake.originate_url,
            api_method="POST",
            api_headers="Authorization: Bearer {token}",
            api_token=TOKEN,
            api_body_template='{"from": "{from}", "to": "{to}"}',
            api_success_path="success",
            api_error_path="error.message",
            api_timeout="2",
        )
        # Hansen is on the Robinson list; Jensen withdrew phone marketing
        cls.hansen.is_marketing_protected = True
        cls.jensen._consent_grant("phone_marketing", source="web_form")
        cls.jensen._consent_withdraw("phone_marketing", source="manual")
        cls.de_vries._consent_grant("phone_marketing", source="web_form")

    @classmethod
    def _request_handler(cls, s, r, **kw):
        if r.url.startswith(cls.fake.url):
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.fake.requests.clear()
        self.authenticate("unitel_salesperson", "unitel_salesperson_pw1")

    def call(self, number, record, confirmations=None):
        params = {"number": number, "res_model": record._name, "res_id": record.id}
        if confirmations is not None:
            params["confirmations"] = confirmations
        return self.make_jsonrpc_request("/unitel/call", params)

    def test_protected_contact_without_answer_is_refused(self):
        result = self.call("+45 12 34 56 78", self.hansen)
        self.assertFalse(result["ok"])
        question = result["confirm"]
        self.assertEqual(question["key"], "service_call")
        self.assertIn("Is this a service call?", question["message"])
        self.assertIn("Reklamebeskyttet", question["message"])
        self.assertFalse(self.fake.requests, "nothing was dialled")
        self.assertFalse(self.new_calls("outgoing"), "nothing was logged")

    def test_withdrawn_contact_without_answer_is_refused(self):
        result = self.call("87 65 43 21", self.jensen)
        self.assertIn("phone marketing consent withdrawn", result["confirm"]["message"])
        self.assertFalse(self.fake.requests)
        self.assertFalse(self.new_calls("outgoing"))

    def test_answer_given_dials_and_keeps_the_basis(self):
        result = self.call("87 65 43 21", self.jensen, ["service_call"])
        self.assertTrue(result["ok"], result)
        (request,) = self.fake.calls("POST", ORIGINATE_PATH)
        self.assertEqual(request.json(), {"from": "402", "to": "+4587654321"})
        call = self.env["unitel.call"].browse(result["call_id"])
        self.assertEqual(call.partner_id, self.jensen)
        self.assertEqual(call.user_id, self.roles["salesperson"])
        self.assertTrue(call.is_service_call)
        self.assertEqual(call.phone_marketing_state, "withdrawn")
        self.assertEqual(call.phone_marketing_legal_basis, "consent")
        self.assertFalse(call.was_marketing_protected)
        self.assertIn(
            "Service call (protected from marketing calls)",
            self.jensen.message_ids[0].body,
        )

    def test_answer_given_for_robinson_contact(self):
        result = self.call("+45 12 34 56 78", self.hansen, ["service_call"])
        self.assertTrue(result["ok"], result)
        self.assertEqual(len(self.fake.calls("POST", ORIGINATE_PATH)), 1)
        call = self.env["unitel.call"].browse(result["call_id"])
        self.assertTrue(call.is_service_call)
        self.assertTrue(call.was_marketing_protected)
        self.assertEqual(call.phone_marketing_state, "none")

    def test_any_protected_contact_is_asked(self):
        # a call button on the contact's phone, found by number from a child
        child = self.env["res.partner"].create(
            {"name": "Ib Hansen", "parent_id": self.hansen.id}
        )
        child.is_marketing_protected = True
        result = self.call("+45 12 34 56 79", child)
        self.assertIn("confirm", result)
        self.assertFalse(self.fake.requests)

    def test_not_protected_dials_as_before(self):
        result = self.call("06 23456789", self.de_vries)
        self.assertTrue(result["ok"], result)
        self.assertNotIn("confirm", result)
        self.assertEqual(len(self.fake.calls("POST", ORIGINATE_PATH)), 1)
        call = self.env["unitel.call"].browse(result["call_id"])
        self.assertFalse(call.is_service_call)
        self.assertEqual(call.phone_marketing_state, "active")
        self.assertNotIn("Service call", self.de_vries.message_ids[0].body)
        self.assertEqual(call.phone_marketing_legal_basis, "consent")

    def test_tel_mode_asks_too_and_logs_only_after_the_answer(self):
        self._set_params(call_mode="tel")
        result = self.call("+45 12 34 56 78", self.hansen)
        self.assertIn("confirm", result)
        self.assertFalse(self.new_calls("outgoing"))
        result = self.call("+45 12 34 56 78", self.hansen, ["service_call"])
        self.assertTrue(result["ok"], result)
        self.assertTrue(self.new_calls("outgoing").is_service_call)
        self.assertFalse(self.fake.requests, "tel: links never reach the PBX")

    def test_each_internal_role_is_asked_and_may_answer(self):
        for role in ("internal", "salesperson", "manager", "admin"):
            with self.subTest(role=role):
                self.authenticate(f"unitel_{role}", f"unitel_{role}_pw1")
                self.assertIn("confirm", self.call("+4512345678", self.hansen))
                result = self.call("+4512345678", self.hansen, ["service_call"])
                self.assertTrue(result["ok"], result)
                call = self.env["unitel.call"].browse(result["call_id"])
                self.assertEqual(call.user_id, self.roles[role])
                self.assertTrue(call.is_service_call)

    def test_portal_cannot_call_nor_answer(self):
        self.authenticate("unitel_portal", "unitel_portal_pw1")
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.call("+4512345678", self.roles["portal"].partner_id, ["service_call"])
        self.assertFalse(self.fake.requests)
        self.assertFalse(self.new_calls("outgoing"))

    def test_malformed_answer_is_refused_plainly(self):
        for bad in ("service_call", [1], ["x" * 500], ["a"] * 6, ["bad\x00"]):
            with self.subTest(bad=bad):
                result = self.call("+4512345678", self.hansen, bad)
                self.assertFalse(result["ok"])
                self.assertNotIn("confirm", result)
                self.assertIn("malformed", result["message"])
        self.assertFalse(self.fake.requests)
        self.assertFalse(self.new_calls("outgoing"))

    def test_users_cannot_forge_the_consent_facts(self):
        Call = self.env["unitel.call"]
        user = self.roles["salesperson"]
        vals = {"direction": "outgoing", "number": "+4512345678"}
        for forged in (
            {"is_service_call": True},
            {"phone_marketing_state": "active"},
            {"phone_marketing_legal_basis": "consent"},
            {"was_marketing_protected": True},
        ):
            with self.subTest(forged=forged):
                with self.assertRaises(AccessError):
                    Call.with_user(user).create(dict(vals, **forged))
                key, value = next(iter(forged.items()))
                with self.assertRaises(AccessError):
                    Call.with_user(user).with_context(
                        **{f"default_{key}": value}
                    ).create(vals)
        own = Call.with_user(user).create(vals)
        with self.assertRaises(AccessError):
            own.write({"is_service_call": True})
        # nor over JSON-RPC, as a manager of the call log either
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.call_kw(
                "manager", "unitel.call", "write", own.ids, {"is_service_call": True}
            )
        self.assertFalse(own.is_service_call)

    def test_partner_shows_phone_marketing_standing(self):
        self.assertEqual(self.jensen.phone_marketing_state, "withdrawn")
        self.assertTrue(self.jensen.is_phone_marketing_blocked)
        self.assertEqual(self.hansen.phone_marketing_state, "none")
        self.assertTrue(self.hansen.is_phone_marketing_blocked)
        self.assertEqual(self.de_vries.phone_marketing_state, "active")
        self.assertFalse(self.de_vries.is_phone_marketing_blocked)
        # what the contact form reads, as a salesperson
        read = self.call_kw(
            "salesperson",
            "res.partner",
            "read",
            self.jensen.ids,
            ["phone_marketing_state", "is_phone_marketing_blocked"],
        )
        self.assertEqual(read[0]["phone_marketing_state"], "withdrawn")
        self.assertTrue(read[0]["is_phone_marketing_blocked"])

    def test_service_call_in_the_browser(self):
        self.start_tour(
            f"/odoo/contacts/{self.hansen.id}",
            "unitel_consent_service_call",
            login="unitel_salesperson",
        )
        call = self.new_calls("outgoing")
        self.assertEqual(call.partner_id, self.hansen)
        self.assertTrue(call.is_service_call)
        self.assertTrue(call.was_marketing_protected)
        self.assertEqual(len(self.fake.calls("POST", ORIGINATE_PATH)), 1)
