import json
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.bus.websocket import WebsocketConnectionHandler

from .common import UnitelCommon

TOKEN = "s3cret-notification-token"


@tagged("post_install", "-at_install")
class TestCallsNotification(UnitelCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls._set_params(webhook_token=TOKEN)
        cls.seller = new_test_user(
            cls.env, login="unitel_notified", groups="base.group_user", name="Mads"
        )
        cls.seller.unitel_own_number = "2901"
        cls.other = new_test_user(
            cls.env, login="unitel_other", groups="base.group_user", name="Anne"
        )
        cls.other.unitel_own_number = "+45 70 99 88 77"

    def post(self, payload, token=TOKEN, header="Authorization"):
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers[header] = f"Bearer {token}" if header == "Authorization" else token
        return self.url_open("/unitel/calls", data=json.dumps(payload), headers=headers)

    def calls(self):
        return self.new_calls()

    def bus_messages(self, user):
        """unitel notifications queued on the bus for ``user``'s partner."""
        self.env.cr.execute("SELECT channel, message FROM bus_bus ORDER BY id")
        messages = []
        for channel, message in self.env.cr.fetchall():
            channel, message = json.loads(channel), json.loads(message)
            if channel[1:] == ["res.partner", user.partner_id.id] and (
                message["type"] == "unitel.incoming_call"
            ):
                messages.append(message)
        return messages

    def test_logs_the_call_and_notifies_the_called_user(self):
        before = self.calls()
        response = self.post(
            {
                "number": "004512345678",
                "called": "2901",
                "call_id": "pbx-1001",
                "outcome": "answered",
            }
        )
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()
        call = self.calls() - before
        self.assertEqual(data["call_id"], call.id)
        self.assertEqual(data["notified_user_ids"], [self.seller.id])
        self.assertEqual(call.partner_id, self.hansen)
        self.assertEqual(call.user_id, self.seller)
        self.assertEqual(call.outcome, "answered")
        self.assertEqual(call.source, "pbx")
        self.assertEqual(call.external_id, "pbx-1001")
        (message,) = self.bus_messages(self.seller)
        self.assertEqual(message["payload"]["message"], "Incoming call from Hansen A/S")
        self.assertEqual(message["payload"]["call_id"], call.id)
        self.assertFalse(self.bus_messages(self.other))

    def test_notification_names_only_contacts_the_user_may_read(self):
        """The route runs as superuser: a caller who is another company's
        contact is an unknown number to a user of this company only."""
        other_company = self.env["res.company"].create({"name": "Søsterselskab ApS"})
        self.hansen.company_id = other_company
        self.assertNotIn(other_company, self.seller.company_ids)
        response = self.post({"number": "004512345678", "called": "2901"})
        self.assertEqual(response.status_code, 200, response.text)
        (message,) = self.bus_messages(self.seller)
        self.assertNotIn("Hansen", message["payload"]["message"])
        self.assertIn("unknown number", message["payload"]["message"])
        # a user of both companies sees the name
        self.seller.company_ids |= other_company
        self.post({"number": "004512345678", "called": "2901"})
        self.assertEqual(
            self.bus_messages(self.seller)[-1]["payload"]["message"],
            "Incoming call from Hansen A/S",
        )

    def test_user_by_login_and_called_number(self):
        response = self.post({"number": "+4570809010", "user": "unitel_other"})
        self.assertEqual(response.json()["notified_user_ids"], [self.other.id])
        (message,) = self.bus_messages(self.other)
        self.assertIn("2 contacts match", message["payload"]["message"])
        response = self.post({"number": "+4599887766", "called": "70998877"})
        self.assertEqual(response.json()["notified_user_ids"], [self.other.id])
        self.assertIn(
            "unknown number", self.bus_messages(self.other)[-1]["payload"]["message"]
        )

    def test_token_in_header_variant(self):
        response = self.post(
            {"number": "12345678", "called": "2901"}, header="X-Unitel-Token"
        )
        self.assertEqual(response.status_code, 200)

    def test_wrong_token_is_refused_and_nothing_written(self):
        before = self.calls()
        for token in ("forged-token", "", None, TOKEN + "x"):
            with self.subTest(token=token):
                response = self.post(
                    {"number": "12345678", "called": "2901"}, token=token
                )
                self.assertEqual(response.status_code, 403)
        self.assertEqual(self.calls(), before)
        self.assertFalse(self.bus_messages(self.seller))

    def test_without_configured_token_everything_is_refused(self):
        self._set_params(webhook_token="")
        response = self.post({"number": "12345678", "called": "2901"}, token="")
        self.assertEqual(response.status_code, 403)
        response = self.post({"number": "12345678", "called": "2901"}, token="False")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.calls())

    def test_replayed_call_is_not_logged_twice(self):
        payload = {"number": "12345678", "called": "2901", "call_id": "pbx-77"}
        first = self.post(payload).json()
        before = self.calls()
        second = self.post(payload).json()
        self.assertTrue(second["duplicate"])
        self.assertEqual(second["call_id"], first["call_id"])
        self.assertEqual(self.calls(), before)
        self.assertEqual(len(self.bus_messages(self.seller)), 1)

    def test_bad_input_is_refused_and_nothing_written(self):
        for payload in (
            {"called": "2901"},
            {"number": "anonymous", "called": "2901"},
            {"number": "12345678", "outcome": "exploded"},
        ):
            with self.subTest(payload=payload):
                self.assertEqual(self.post(payload).status_code, 400)
        self.assertFalse(self.calls())
        self.assertFalse(self.bus_messages(self.seller))

    def test_notification_open_button_opens_the_caller(self):
        self.post({"number": "12345678", "called": "2901"})
        (message,) = self.bus_messages(self.seller)
        call = self.env["unitel.call"].browse(message["payload"]["call_id"])
        action = call.with_user(self.seller).action_open_caller()
        self.assertEqual(action["res_id"], self.hansen.id)

    def test_live_notification_in_the_browser(self):
        # Odoo refuses websockets during tests unless told otherwise (as its
        # own bus tests do); the notification travels over the real bus here.
        with patch.object(
            WebsocketConnectionHandler, "websocket_allowed", return_value=True
        ):
            self.start_tour(
                "/odoo/contacts",
                "unitel_incoming_notification",
                login="unitel_notified",
            )
        call = self.calls()
        self.assertEqual((call.partner_id, call.user_id), (self.hansen, self.seller))
