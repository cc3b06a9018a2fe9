"""Fuzzing the webhook: >= 10,000 random bodies and headers, no crash, no write.

Most cases call the route's verification core (``sendgrid.event._webhook_receive``,
the whole route minus HTTP plumbing) directly, because 10,000 HTTP round trips
would take minutes; another 1,000 go through real HTTP to the route.
"""

import base64
import json
import random
import string
import time

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..services import webhook
from .common import SendgridCommon, generate_key_pair

CORE_CASES = 10_000
HTTP_CASES = 1_000
ALLOWED = {200, 400, 403}
MODEL_LOGGER = "odoo.addons.sendgrid_delivery.models.sendgrid_event"
EVENT_KEYS = [
    "email", "timestamp", "event", "sg_event_id", "sg_message_id", "smtp-id",
    "reason", "status", "type", "url", "useragent", "ip", "category",
    "asm_group_id", "attempt", "bounce_classification", "sg_machine_open",
]  # fmt: skip
TEXT_KEYS = [
    "sg_message_id", "smtp-id", "reason", "status", "type", "url", "useragent",
    "ip", "bounce_classification",
]  # fmt: skip
ID_KEYS = ["odoo_mail_id", "odoo_trace_id", "odoo_message_id", "odoo_partner_id"]


class Fuzzer:
    def __init__(self, seed, private_key, dbname):
        self.rng = random.Random(seed)
        self.private_key = private_key
        self.other_key, _public = generate_key_pair()
        self.dbname = dbname

    def text(self, limit=40):
        # NUL and a lone surrogate are valid JSON but not valid PostgreSQL text
        alphabet = string.printable + "æøåÆØÅ€\u0000\u202e\ud7ff\ud800😀"
        return "".join(
            self.rng.choice(alphabet) for _i in range(self.rng.randint(0, limit))
        )

    def scalar(self):
        return self.rng.choice(
            [
                None,
                True,
                False,
                self.rng.randint(-(2**63), 2**63),
                self.rng.random() * 1e12,
                self.text(),
                str(self.rng.randint(10**8, 10**12)),  # ids that exist nowhere
                "",
                "1e309",
                float("nan") if self.rng.random() < 0.01 else 0,
            ]
        )

    def value(self, depth=0):
        if depth > 2 or self.rng.random() < 0.6:
            return self.scalar()
        if self.rng.random() < 0.5:
            return [self.value(depth + 1) for _i in range(self.rng.randint(0, 3))]
        return {
            self.text(8): self.value(depth + 1) for _i in range(self.rng.randint(0, 3))
        }

    def missing_id(self):
        """Something in an id slot that matches no record of this database."""
        return self.rng.choice(
            [
                str(self.rng.randint(10**9, 2**31 - 1)),
                str(self.rng.randint(2**31, 10**15)),
                "0",
                "-1",
                "abc",
                "",
                self.rng.randint(10**9, 2**31 - 1),
                None,
                [],
            ]
        )

    def event(self):
        if self.rng.random() < 0.5:
            # random keys and types: mostly refused as malformed (400)
            event = {k: self.value() for k in EVENT_KEYS if self.rng.random() < 0.7}
        else:
            # well-typed but hostile values: reaches the database step
            event = {
                "email": self.text(20) + "@x.example",
                "timestamp": int(time.time()) - self.rng.randint(0, 10**6),
                "event": self.rng.choice(list(webhook.EVENT_TYPES) + ["nope"]),
                "sg_event_id": self.text(30) or "id",
                "category": self.rng.choice([self.text(), [self.text(), self.text()]]),
                "asm_group_id": self.rng.randint(-5, 2**40),
                "attempt": str(self.rng.randint(0, 99)),
                "sg_machine_open": self.rng.random() < 0.5,
                **{k: self.text(300) for k in TEXT_KEYS if self.rng.random() < 0.8},
            }
        event["odoo_db"] = self.rng.choice([self.dbname, "other_db", None, 5])
        for key in ID_KEYS:
            if self.rng.random() < 0.8:
                event[key] = self.missing_id()
        return event

    def body(self):
        kind = self.rng.random()
        if kind < 0.25:
            return bytes(
                self.rng.getrandbits(8) for _i in range(self.rng.randint(0, 300))
            )
        if kind < 0.35:
            return json.dumps(self.value()).encode()
        events = [self.event() for _i in range(self.rng.randint(0, 4))]
        try:
            return json.dumps(events, allow_nan=True).encode("utf-8", "surrogatepass")
        except (UnicodeEncodeError, ValueError):
            return b"[]"

    def headers(self, body):
        now = int(time.time())
        if self.rng.random() < 0.4:
            # correctly signed and fresh: the body itself is what is fuzzed
            return {
                webhook.SIGNATURE_HEADER: webhook.sign(self.private_key, body, now),
                webhook.TIMESTAMP_HEADER: str(now),
                "Content-Type": "application/json",
            }
        timestamp = self.rng.choice(
            [
                str(now),
                str(now - 601),
                str(now + 601),
                str(now - self.rng.randint(0, 599)),
                self.text(12),
                "",
                str(-now),
                "9" * 40,
            ]
        )
        mode = self.rng.random()
        signature = None
        if mode < 0.45:
            try:
                signature = webhook.sign(self.private_key, body, timestamp)
            except UnicodeEncodeError:
                signature = self.text(80)
        elif mode < 0.55:
            signature = webhook.sign(self.other_key, body, str(now))
        elif mode < 0.7:
            raw = bytes(
                self.rng.getrandbits(8) for _i in range(self.rng.randint(0, 80))
            )
            signature = base64.b64encode(raw).decode()
        elif mode < 0.85:
            signature = self.text(100)
        headers = {"Content-Type": self.rng.choice(["application/json", "text/plain"])}
        if signature is not None:
            headers[webhook.SIGNATURE_HEADER] = signature
        if self.rng.random() < 0.9:
            headers[webhook.TIMESTAMP_HEADER] = timestamp
        return headers


@tagged("post_install", "-at_install")
class TestWebhookFuzz(SendgridCommon, HttpCase):
    def test_fuzz_verification_core(self):
        """10,000 cases through the route's core: only 200/400/403, never a write."""
        fuzzer = Fuzzer(20261122, self.private_key, self.env.cr.dbname)
        before = self.snapshot()
        seen = {}
        Event = self.env["sendgrid.event"]
        with mute_logger(MODEL_LOGGER):
            for _i in range(CORE_CASES):
                body = fuzzer.body()
                status, payload = Event._webhook_receive(body, fuzzer.headers(body))
                self.assertIn(status, ALLOWED)
                if status == 200:
                    self.assertEqual(payload["stored"], 0, body)
                    if payload["received"]:
                        seen["events_parsed"] = seen.get("events_parsed", 0) + 1
                seen[status] = seen.get(status, 0) + 1
        self.assertEqual(self.snapshot(), before)
        # the fuzzer reaches every outcome, not just the signature check, and
        # hundreds of signed batches with events get as far as the INSERT
        self.assertTrue(all(seen.get(code) for code in ALLOWED), seen)
        self.assertGreater(seen.get("events_parsed", 0), 400, seen)

    def test_fuzz_over_http(self):
        """1,000 random requests through real HTTP: no 500, no write."""
        fuzzer = Fuzzer(4242, self.private_key, self.env.cr.dbname)
        before = self.snapshot()
        with mute_logger(MODEL_LOGGER, "werkzeug"):
            for _i in range(HTTP_CASES):
                body = fuzzer.body()
                headers = fuzzer.headers(body)
                # what an HTTP client can put on the wire at all
                headers = {
                    k: "".join(
                        c
                        for c in v.encode("latin-1", "replace").decode("latin-1")
                        if c.isprintable()
                    ).strip()
                    for k, v in headers.items()
                }
                # opener.post: url_open would turn an empty body into a GET
                response = self.opener.post(
                    self.base_url() + "/sendgrid/events",
                    data=body,
                    headers=headers,
                    timeout=30,
                )
                self.assertIn(response.status_code, ALLOWED, response.text[:200])
        self.assertEqual(self.snapshot(), before)


@tagged("post_install", "-at_install")
class TestRouteShapes(SendgridCommon, HttpCase):
    """Every route of the addon, every malformed request shape: no 500, no write."""

    # the addon's routes and what a well-formed request to each looks like
    ROUTES = {"/sendgrid/events": "POST"}

    def shapes(self, route):
        nul, accent, long_value = "%00", "%C3%A9", "x" * 10_000
        yield "POST", route + "?a=" + nul, b"[]", {"Content-Type": "application/json"}
        yield "POST", route + "?a=" + accent, b"[]", {}
        yield "POST", route + "?a=1&a=2&a=" + long_value, b"[]", {}
        yield "POST", route + accent, b"[]", {}
        yield "POST", route, "æøå\x00".encode(), {"Content-Type": "text/plain"}
        yield (
            "POST",
            route,
            b"a=1&a=2",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        yield (
            "POST",
            route,
            b"--x--",
            {"Content-Type": "multipart/form-data; boundary=x"},
        )
        yield "POST", route, b"[]", {"Content-Type": "application/json; charset=\x7f"}
        yield "POST", route, b"[]", {webhook.SIGNATURE_HEADER: long_value}
        yield "POST", route, b"[]", {webhook.TIMESTAMP_HEADER: "1" * 5000}
        yield "POST", route, b"", {}
        yield "POST", route, b"[" * 100_000, {"Content-Type": "application/json"}
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            yield method, route, b"", {}

    def test_bad_requests_never_500(self):
        allowed = {400, 403, 404, 405, 413}
        before = self.snapshot()
        with mute_logger(MODEL_LOGGER, "werkzeug", "odoo.http"):
            for route in self.ROUTES:
                for method, url, body, headers in self.shapes(route):
                    response = self.opener.request(
                        method,
                        self.base_url() + url,
                        data=body,
                        headers=headers,
                        timeout=30,
                    )
                    self.assertIn(
                        response.status_code, allowed, (method, url, body[:40])
                    )
        self.assertEqual(self.snapshot(), before)

    def test_every_route_of_the_addon_is_fuzzed(self):
        """A new route without a line in ROUTES fails here."""
        ours = set()
        for rule in self.env["ir.http"].routing_map().iter_rules():
            module = getattr(getattr(rule.endpoint, "func", None), "__module__", "")
            if (module or "").startswith("odoo.addons.sendgrid_delivery."):
                ours.add(rule.rule)
        self.assertEqual(ours, set(self.ROUTES))
