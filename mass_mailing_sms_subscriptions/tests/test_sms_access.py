from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import SmsSubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_sms_subscriptions")
class TestSmsAccessOverRpc(SmsSubscriptionsCase):
    """What each role may do with an SMS mailing, asked as a browser does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal = new_test_user(
            cls.env,
            login="smss_portal",
            password="smss_portal_pw1",
            groups="base.group_portal",
            name="Paula Portal",
        )
        cls.user_internal = new_test_user(
            cls.env,
            login="smss_internal",
            password="smss_internal_pw1",
            groups="base.group_user",
            name="Ivan Internal",
        )
        cls.user_marketing.password = "smss_marketing_pw1"
        cls.passwords = {
            "smss_portal": "smss_portal_pw1",
            "smss_internal": "smss_internal_pw1",
            cls.user_marketing.login: "smss_marketing_pw1",
        }

    def _call(self, login, model, method, args, kwargs=None):
        self.authenticate(login, self.passwords[login])
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _refused(self, login, model, method, args, kwargs=None):
        with (
            self.assertRaises(JsonRpcException) as caught,
            mute_logger("odoo.http"),
        ):
            self._call(login, model, method, args, kwargs)
        self.assertIn("AccessError", str(caught.exception))

    def test_marketer_sends_over_rpc_and_consent_holds(self):
        mailing = self._create_sms_mailing(self.type_offers)
        with self.mockSMSGateway():
            self._call(
                self.user_marketing.login,
                "mailing.mailing",
                "action_send_mail",
                [mailing.ids],
            )
        traces = self._traces(mailing)
        self.assertEqual(
            set(
                traces.filtered(lambda t: t.trace_status == "outgoing").mapped("res_id")
            ),
            {self.p_offers.id, self.p_family_ok.id},
        )
        self.assertEqual(
            self._trace_of(mailing, self.p_shared_ok.id).failure_type,
            "sms_number_withdrawn",
        )
        # The marketer reads the reasons in the mailing's statistics.
        rows = self._call(
            self.user_marketing.login,
            "mailing.trace",
            "search_read",
            [[("mass_mailing_id", "=", mailing.id), ("trace_status", "=", "cancel")]],
            {"fields": ["failure_type", "failure_reason"]},
        )
        self.assertEqual(len(rows), 6)
        self.assertTrue(all(row["failure_reason"] for row in rows))

    def test_portal_and_internal_user_can_neither_send_nor_read(self):
        mailing = self._create_sms_mailing(self.type_offers)
        for login in ("smss_portal", "smss_internal"):
            with self.mockSMSGateway():
                self._refused(
                    login, "mailing.mailing", "action_send_mail", [mailing.ids]
                )
                self._refused(
                    login, "mailing.mailing", "action_send_sms", [mailing.ids]
                )
            self._refused(
                login,
                "mailing.mailing",
                "write",
                [mailing.ids, {"bypass_consent": True}],
            )
            self._refused(
                login,
                "mailing.mailing",
                "create",
                [
                    {
                        "name": "Mine",
                        "subject": "Mine",
                        "mailing_type": "sms",
                        "body_plaintext": "Hi",
                        "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    }
                ],
            )
        self.assertFalse(self._traces(mailing))
        mailing.invalidate_recordset()
        self.assertFalse(mailing.bypass_consent)
        # Now sent by the marketer: the reasons stay the marketers'.
        self._send(mailing)
        self.assertTrue(self._traces(mailing))
        for login in ("smss_portal", "smss_internal"):
            self._refused(
                login,
                "mailing.trace",
                "search_read",
                [[("mass_mailing_id", "=", mailing.id)]],
                {"fields": ["failure_reason"]},
            )

    def test_marketer_cannot_bypass_consent_over_rpc(self):
        mailing = self._create_sms_mailing(self.type_offers)
        self._refused(
            self.user_marketing.login,
            "mailing.mailing",
            "write",
            [mailing.ids, {"bypass_consent": True}],
        )
        mailing.sudo().bypass_consent = True  # approved by the override group
        self._refused(
            self.user_marketing.login,
            "mailing.mailing",
            "write",
            [mailing.ids, {"body_plaintext": "Something else"}],
        )
        mailing.invalidate_recordset()
        self.assertEqual(mailing.body_plaintext, "Spring offers in the shop this week")

    def test_explicit_recipients_over_rpc_are_checked_too(self):
        """Naming the recipients (``res_ids``) does not skip the check."""
        mailing = self._create_sms_mailing(self.type_offers)
        with self.mockSMSGateway():
            self._call(
                self.user_marketing.login,
                "mailing.mailing",
                "action_send_sms",
                [mailing.ids],
                {"res_ids": [self.p_no_record.id, self.p_offers.id]},
            )
        self.assertEqual(
            self._trace_of(mailing, self.p_no_record.id).failure_type,
            "sms_no_consent",
        )
        self.assertEqual(
            self._trace_of(mailing, self.p_offers.id).trace_status, "outgoing"
        )
        self.assertEqual(len(self._traces(mailing)), 2)
