"""POST /sendgrid/events over real HTTP: happy path and every refusal writes nothing."""

import json
import socket
import time

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..services import webhook
from .common import SendgridCommon, generate_key_pair, signed_headers

ROUTE = "/sendgrid/events"
MODEL_LOGGER = "odoo.addons.sendgrid_delivery.models.sendgrid_event"


@tagged("post_install", "-at_install")
class TestWebhookRoute(SendgridCommon, HttpCase):
    def post(self, body, headers):
        return self.url_open(ROUTE, data=body, headers=headers, timeout=30)

    def assert_refused(self, body, headers, status):
        before = self.snapshot()
        with mute_logger(MODEL_LOGGER, "werkzeug"):
            response = self.post(body, headers)
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(self.snapshot(), before, "a refused request wrote data")
        return response

    def test_signed_batch_is_stored_once(self):
        events = [
            self.event("delivered"),
            self.event("open", sg_machine_open=False),
            self.event("bounce", trace=self.traces[1], reason="550 5.1.1 unknown user"),
        ]
        body, headers = self.signed_request(events)
        response = self.post(body, headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"received": 3, "stored": 3, "ignored": 0})
        stored = self.env["sendgrid.event"].search(
            [("sg_event_id", "in", [e["sg_event_id"] for e in events])]
        )
        self.assertEqual(len(stored), 3)
        self.assertEqual(self.trace.trace_status, "open")
        self.assertTrue(self.partner_nl.is_email_invalid)
        # sibling: the same batch replayed (fresh signature) changes nothing
        body, headers = self.signed_request(events)
        before = self.snapshot()
        response = self.post(body, headers)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["stored"], 0)
        self.assertEqual(self.snapshot(), before)

    def test_no_key_configured_refuses(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sendgrid_delivery.verification_key", False
        )
        body, headers = self.signed_request([self.event("bounce", reason="550")])
        self.assert_refused(body, headers, 403)

    def test_unsigned_refused(self):
        body = json.dumps([self.event("bounce", reason="550")]).encode()
        self.assert_refused(body, {"Content-Type": "application/json"}, 403)

    def test_forged_signature_refused(self):
        other_key, _public = generate_key_pair()
        body, headers = self.signed_request([self.event("spamreport")], key=other_key)
        self.assert_refused(body, headers, 403)

    def test_tampered_body_refused(self):
        body, headers = self.signed_request([self.event("delivered")])
        tampered = body.replace(b'"delivered"', b'"spamreport"')
        self.assert_refused(tampered, headers, 403)

    def test_stale_and_future_timestamps_refused(self):
        now = int(time.time())
        for timestamp in (now - webhook.MAX_AGE_SECONDS - 5, now + 3600):
            body, headers = self.signed_request(
                [self.event("unsubscribe")], timestamp=timestamp
            )
            self.assert_refused(body, headers, 403)

    def test_signed_but_malformed_is_400(self):
        for body in (
            b"not json",
            b'{"event": "bounce"}',
            json.dumps([{"event": "bounce", "email": "x@y.z"}]).encode(),
        ):
            self.assert_refused(body, signed_headers(self.private_key, body), 400)

    def test_unknown_message_writes_nothing(self):
        orphan = self.event("spamreport", trace=self.env["mailing.trace"])
        orphan["odoo_mail_id"] = "999999999"
        body, headers = self.signed_request([orphan])
        response = self.assert_refused(body, headers, 200)
        self.assertEqual(response.json()["ignored"], 1)

    def test_get_is_not_allowed(self):
        before = self.snapshot()
        with mute_logger("werkzeug", "odoo.http"):
            response = self.url_open(ROUTE)
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.snapshot(), before)


@tagged("post_install", "-at_install")
class TestWebhookBodySize(SendgridCommon, HttpCase):
    """Bodies above the limit are refused before they are read whole."""

    def raw_post(self, head, body=b"", read_timeout=30):
        """Send bytes on a plain socket; return (status, raw response)."""
        host, port = self.base_url().split("//", 1)[1].split(":")
        with socket.create_connection((host, int(port)), timeout=read_timeout) as sock:
            sock.sendall(head + body)
            response = b""
            while b"\r\n\r\n" not in response:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                response += chunk
        return int(response.split(b" ", 2)[1]), response

    def test_declared_length_above_limit_is_413_unread(self):
        before = self.snapshot()
        head = (
            f"POST {ROUTE} HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {webhook.MAX_BODY_BYTES + 1}\r\n\r\n"
        ).encode()
        # no body is sent at all: an answer proves nothing waited to read it
        with mute_logger(MODEL_LOGGER, "werkzeug"):
            status, _raw = self.raw_post(head, b"[]")
        self.assertEqual(status, 413)
        self.assertEqual(self.snapshot(), before)

    def test_chunked_body_above_limit_is_413(self):
        before = self.snapshot()
        piece = b" " * (1024 * 1024)
        chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
        # '[' and exactly the limit after it: one byte too many
        count = webhook.MAX_BODY_BYTES // len(piece)
        head = (
            f"POST {ROUTE} HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        with mute_logger(MODEL_LOGGER, "werkzeug"):
            status, raw = self.raw_post(
                head, b"1\r\n[\r\n" + chunk * count + b"0\r\n\r\n"
            )
        self.assertEqual(status, 413, raw[:300])
        # a broken chunked encoding is the client's error, not ours
        with mute_logger(MODEL_LOGGER, "werkzeug"):
            status, raw = self.raw_post(head, b"zz\r\n[]\r\n0\r\n\r\n")
        self.assertEqual(status, 400, raw[:300])
        self.assertEqual(self.snapshot(), before)

    def test_chunked_signed_batch_within_limit_is_stored(self):
        body, headers = self.signed_request([self.event("delivered")])
        response = self.opener.post(
            self.base_url() + ROUTE,
            data=iter([body[:10], body[10:]]),  # a generator: chunked encoding
            headers=headers,
            timeout=30,
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["stored"], 1)

    def test_form_bodies_are_refused_before_parsing(self):
        before = self.snapshot()
        with mute_logger(MODEL_LOGGER, "werkzeug", "odoo.http"):
            for content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
            ):
                response = self.opener.post(
                    self.base_url() + ROUTE,
                    data=b"a=1",
                    headers={"Content-Type": content_type},
                    timeout=30,
                )
                self.assertEqual(response.status_code, 400, content_type)
                big = (
                    f"POST {ROUTE} HTTP/1.1\r\nHost: localhost\r\n"
                    f"Content-Type: {content_type}\r\n"
                    f"Content-Length: {webhook.MAX_BODY_BYTES * 5}\r\n\r\n"
                ).encode()
                self.assertEqual(self.raw_post(big)[0], 413, content_type)
        self.assertEqual(self.snapshot(), before)
