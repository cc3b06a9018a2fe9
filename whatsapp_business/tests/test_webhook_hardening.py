"""Bad input on the webhook gets 400/403/413 and writes nothing, never a 500."""

import json

from odoo.tests import HttpCase, tagged

from ..services import webhook as wa_webhook
from .common import APP_SECRET, VERIFY_TOKEN, WhatsappCommon

URL = "/whatsapp/webhook"


@tagged("post_install", "-at_install")
class TestWebhookHardening(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()

    def snapshot(self):
        return tuple(
            self.env[model].search_count([])
            for model in (
                "res.partner",
                "discuss.channel",
                "mail.message",
                "whatsapp.message",
                "ir.attachment",
            )
        )

    def post_raw(self, raw, content_type="application/json", secret=APP_SECRET):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if secret:
            headers["X-Hub-Signature-256"] = wa_webhook.compute_signature(
                secret, raw if isinstance(raw, bytes) else b""
            )
        return self.url_open(URL, data=raw, headers=headers)

    def assertRefused(self, response, status):
        self.assertEqual(response.status_code, status, response.text[:200])
        self.assertNotIn("Traceback", response.text)

    # -- size ------------------------------------------------------------------
    def test_oversized_body_refused_with_413(self):
        before = self.snapshot()
        payload = self.inbound_payload("wamid.BIG.1", text="x" * 100)
        raw = json.dumps(payload).encode()
        padded = raw[:-1] + b', "pad": "' + b"y" * wa_webhook.MAX_BODY_BYTES + b'"}'
        self.assertRefused(self.post_raw(padded), 413)
        # signed or not, and whatever the declared type
        self.assertRefused(self.post_raw(padded, secret=None), 413)
        self.assertRefused(self.post_raw(padded, content_type="text/plain"), 413)
        self.assertRefused(self.post_raw(padded, content_type=None), 413)
        self.assertEqual(self.snapshot(), before)

    def test_chunked_body_refused_before_it_is_read(self):
        before = self.snapshot()
        chunk = b"y" * 65536

        def body():
            for _ in range(wa_webhook.MAX_BODY_BYTES // len(chunk) + 2):
                yield chunk

        response = self.url_open(
            URL, data=body(), headers={"Content-Type": "application/json"}
        )
        # no declared length: refused without reading, whatever its size
        self.assertRefused(response, 400)
        self.assertEqual(self.snapshot(), before)

    def test_a_body_just_under_the_limit_is_read(self):
        payload = self.inbound_payload("wamid.PAD.1", text="Hej")
        raw = json.dumps(payload).encode()
        pad = wa_webhook.MAX_BODY_BYTES - len(raw) - 20
        raw = raw[:-1] + b', "pad": "' + b"y" * pad + b'"}'
        self.assertLessEqual(len(raw), wa_webhook.MAX_BODY_BYTES)
        self.assertEqual(self.post_raw(raw).status_code, 200)
        self.assertTrue(
            self.env["whatsapp.message"].search([("meta_id", "=", "wamid.PAD.1")])
        )

    # -- content -------------------------------------------------------------
    def test_wrong_content_type_refused(self):
        before = self.snapshot()
        raw = json.dumps(self.inbound_payload("wamid.CT.1")).encode()
        for content_type in (
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            None,
        ):
            self.assertRefused(self.post_raw(raw, content_type=content_type), 400)
        self.assertEqual(self.snapshot(), before)

    def test_signed_garbage_refused_with_400(self):
        before = self.snapshot()
        for raw in (
            b"not json",
            b"\xff\xfe\x00garbage",
            b'{"object": "whatsapp_business_account", "entry": [',
            b"[1, 2, 3]",
            b'"text"',
            '{"object": "é\u0000"}'.encode("latin-1"),
        ):
            self.assertRefused(self.post_raw(raw), 400)
        self.assertEqual(self.snapshot(), before)

    def test_signed_odd_shapes_write_nothing(self):
        before = self.snapshot()
        for payload in (
            {"object": "whatsapp_business_account", "entry": "abc"},
            {"object": "whatsapp_business_account", "entry": [1, None, "x"]},
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": [1], "changes": {"field": "messages"}}],
            },
            self.envelope({"messages": [{"id": ["wamid.LIST"], "from": {}}]}),
            self.envelope({"messages": "x", "statuses": [{"id": None}]}),
            self.envelope({"statuses": [{"id": {"a": 1}, "status": ["read"]}]}),
            self.envelope(
                {"message_template_id": {"x": 1}, "event": 5},
                field="message_template_status_update",
            ),
        ):
            raw, headers = self.signed(payload)
            response = self.url_open(URL, data=raw, headers=headers)
            self.assertIn(response.status_code, (200, 400), payload)
        self.assertEqual(self.snapshot(), before)

    def test_nul_bytes_from_meta_are_dropped(self):
        payload = self.inbound_payload(
            "wamid.NUL\u00001", text="Hej\u0000 med dig", name="Je\u0000ns"
        )
        raw, headers = self.signed(payload)
        self.assertEqual(self.url_open(URL, data=raw, headers=headers).status_code, 200)
        message = self.env["whatsapp.message"].search([("meta_id", "=", "wamid.NUL1")])
        self.assertEqual(message.body, "Hej med dig")

    def test_unsigned_bad_input_is_403(self):
        before = self.snapshot()
        raw = json.dumps(self.inbound_payload("wamid.U.1")).encode()
        for signature in ("sha256=é", "sha256=" + "0" * 64, "", "sha1=abc"):
            response = self.url_open(
                URL + "?x=%00&x=%C3%A9",
                data=raw,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": signature.encode("utf-8"),
                },
            )
            self.assertRefused(response, 403)
        self.assertEqual(self.snapshot(), before)

    # -- handshake -------------------------------------------------------------
    def handshake(self, query):
        return self.url_open(f"{URL}?{query}")

    def test_handshake_bad_input(self):
        good = f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
        cases = {
            # missing or repeated parameters
            "": 400,
            f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}": 400,
            f"{good}&hub.challenge=1&hub.challenge=2": 400,
            f"{good}&hub.verify_token=x&hub.challenge=1": 400,
            # NUL bytes, control characters, overlong values
            f"{good}&hub.challenge=1%00": 400,
            "hub.mode=subscribe&hub.verify_token=a%00b&hub.challenge=1": 400,
            f"{good}&hub.challenge=" + "1" * 300: 400,
            "hub.mode=subscribe&hub.verify_token="
            + "t" * 5000
            + "&hub.challenge=1": 400,
            # non-ASCII, wrong token, a challenge that is not Meta's number
            "hub.mode=subscribe&hub.verify_token=%C3%A9&hub.challenge=1": 403,
            "hub.mode=subscribe&hub.verify_token=%FF&hub.challenge=1": 403,
            f"{good}&hub.challenge=%3Cscript%3E": 403,
            f"{good}&hub.challenge=%C3%A9": 403,
            good.replace("=subscribe", "=unsubscribe") + "&hub.challenge=1": 403,
        }
        for query, status in cases.items():
            response = self.handshake(query)
            self.assertEqual(response.status_code, status, query[:80])
        ok = self.handshake(f"{good}&hub.challenge=1158201444")
        self.assertEqual((ok.status_code, ok.text), (200, "1158201444"))
        self.assertTrue(ok.headers["Content-Type"].startswith("text/plain"))
