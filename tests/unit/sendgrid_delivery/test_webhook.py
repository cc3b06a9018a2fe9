"""Signature, freshness and parsing of SendGrid's signed Event Webhook."""

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.unit.svc import load

webhook = load("sendgrid_delivery", "webhook")


def _key_pair():
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(der).decode()


def _event(**extra):
    event = {
        "email": "Anne@Example.dk",
        "event": "delivered",
        "sg_event_id": "ev-1",
        "sg_message_id": "msg.filter1",
        "smtp-id": "<a@b>",
        "timestamp": 1700000000,
        "odoo_db": "prod",
        "odoo_mail_id": "12",
        "odoo_trace_id": "7",
    }
    event.update(extra)
    return event


def test_round_trip_with_local_key():
    private, public = _key_pair()
    body = json.dumps([_event()]).encode()
    ts = str(int(time.time()))
    headers = {
        webhook.SIGNATURE_HEADER.lower(): webhook.sign(private, body, ts),
        webhook.TIMESTAMP_HEADER: ts,
    }
    events = webhook.verify_and_parse(public, body, headers)
    assert events[0]["email"] == "anne@example.dk"
    assert events[0]["mail_id"] == 12 and events[0]["trace_id"] == 7
    assert events[0]["odoo_db"] == "prod"
    assert events[0]["event_date"] == "2023-11-14 22:13:20"


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "   ",
        "not base64!",
        "QUJD",
        "-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----",
    ],
)
def test_no_or_bad_key_fails_closed(key):
    with pytest.raises(webhook.NotConfigured) as err:
        webhook.verify_and_parse(key, b"[]", {})
    assert err.value.status == 403


def test_rsa_or_other_curve_key_refused():
    other = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(webhook.NotConfigured):
        webhook.load_public_key(base64.b64encode(other).decode())


def test_missing_stale_forged_signature_are_403():
    private, public = _key_pair()
    body = json.dumps([_event()]).encode()
    now = int(time.time())
    good_ts = str(now)
    good_sig = webhook.sign(private, body, good_ts)
    cases = [
        {},  # unsigned
        {webhook.SIGNATURE_HEADER: good_sig},  # no timestamp
        {webhook.SIGNATURE_HEADER: good_sig, webhook.TIMESTAMP_HEADER: "abc"},
        {webhook.SIGNATURE_HEADER: "%%%", webhook.TIMESTAMP_HEADER: good_ts},
        {webhook.SIGNATURE_HEADER: good_sig, webhook.TIMESTAMP_HEADER: str(now + 1)},
    ]
    stale_ts = str(now - 601)
    cases.append(
        {
            webhook.SIGNATURE_HEADER: webhook.sign(private, body, stale_ts),
            webhook.TIMESTAMP_HEADER: stale_ts,
        }
    )
    future_ts = str(now + 601)
    cases.append(
        {
            webhook.SIGNATURE_HEADER: webhook.sign(private, body, future_ts),
            webhook.TIMESTAMP_HEADER: future_ts,
        }
    )
    other_private, _ = _key_pair()
    cases.append(
        {
            webhook.SIGNATURE_HEADER: webhook.sign(other_private, body, good_ts),
            webhook.TIMESTAMP_HEADER: good_ts,
        }
    )
    for headers in cases:
        with pytest.raises(webhook.BadSignature) as err:
            webhook.verify_and_parse(public, body, headers, now=now)
        assert err.value.status == 403


def test_window_edges():
    private, public = _key_pair()
    body = b"[]"
    now = 1_700_000_000
    for ts in (now - 600, now + 600):
        headers = {
            webhook.SIGNATURE_HEADER: webhook.sign(private, body, ts),
            webhook.TIMESTAMP_HEADER: str(ts),
        }
        assert webhook.verify_and_parse(public, body, headers, now=now) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b'{"event": "open"}',
        b"[1, 2]",
        json.dumps([{"event": "open"}]).encode(),
        json.dumps([_event(sg_event_id=5)]).encode(),
        json.dumps([_event(timestamp="yesterday")]).encode(),
        json.dumps([_event(email=None)]).encode(),
        json.dumps([_event(reason={"nested": 1})]).encode(),
        b"[" * 100000 + b"]" * 100000,
    ],
)
def test_signed_but_malformed_is_400(body):
    private, public = _key_pair()
    ts = str(int(time.time()))
    headers = {
        webhook.SIGNATURE_HEADER: webhook.sign(private, body, ts),
        webhook.TIMESTAMP_HEADER: ts,
    }
    with pytest.raises(webhook.Malformed) as err:
        webhook.verify_and_parse(public, body, headers)
    assert err.value.status == 400


def test_normalisation_details():
    events = webhook.parse_events(
        json.dumps(
            [
                _event(
                    event="bounce",
                    type="blocked",
                    reason="550 nope",
                    status="5.0.0",
                    bounce_classification="Reputation",
                    sg_event_id="a",
                ),
                _event(event="bounce", sg_event_id="b"),
                _event(
                    event="click",
                    url="https://x.test/?q=1",
                    useragent="UA",
                    ip="1.2.3.4",
                    category=["news", "dk"],
                    sg_event_id="c",
                ),
                _event(event="group_unsubscribe", asm_group_id=42, sg_event_id="d"),
                _event(
                    event="account_status_change", sg_event_id="e"
                ),  # unknown: skipped
                _event(
                    event="open", sg_event_id="c"
                ),  # duplicate id in batch: first wins
                _event(
                    event="open",
                    odoo_mail_id="x1",
                    odoo_trace_id=True,
                    sg_event_id="f",
                    sg_machine_open=True,
                ),
            ]
        ).encode()
    )
    by_id = {e["sg_event_id"]: e for e in events}
    assert set(by_id) == {"a", "b", "c", "d", "f"}
    assert by_id["a"]["bounce_type"] == "blocked"
    assert by_id["a"]["bounce_classification"] == "Reputation"
    assert by_id["b"]["bounce_type"] == "bounce"  # SendGrid's default is a hard bounce
    assert by_id["c"]["category"] == "news, dk" and by_id["c"]["event_type"] == "click"
    assert by_id["d"]["asm_group_id"] == 42
    assert by_id["f"]["mail_id"] is None and by_id["f"]["trace_id"] is None
    assert by_id["f"]["is_machine_open"] is True


def test_text_postgres_cannot_store_is_cleaned():
    """NUL and lone surrogates are valid JSON but not PostgreSQL text."""
    body = json.dumps(
        [_event(sg_event_id="a\u0000b", email="x\u0000y@z.example", reason="r\ud800s")]
    ).encode()
    event = webhook.parse_events(body)[0]
    assert event["sg_event_id"] == "ab"
    assert event["email"] == "xy@z.example"
    assert event["reason"] == "r?s"
    json.dumps(event).encode("utf-8")  # encodable, hence storable


class _Stream:
    """A request stream that counts what was read and may break."""

    def __init__(self, data=b"", endless=False, broken=False):
        self.data, self.endless, self.broken, self.read_bytes = data, endless, broken, 0

    def read(self, size):
        if self.broken:
            raise OSError("Invalid chunk header")
        if self.endless:
            chunk = b" " * size
        else:
            chunk, self.data = self.data[:size], self.data[size:]
        self.read_bytes += len(chunk)
        return chunk


def test_bounded_read_refuses_declared_length_unread():
    stream = _Stream(b"[]")
    with pytest.raises(webhook.TooLarge) as caught:
        webhook.read_bounded(stream, webhook.MAX_BODY_BYTES + 1)
    assert caught.value.status == 413
    assert stream.read_bytes == 0


def test_bounded_read_stops_an_endless_body_just_past_the_limit():
    stream = _Stream(endless=True)
    with pytest.raises(webhook.TooLarge):
        webhook.read_bounded(stream, None, limit=1000)
    assert stream.read_bytes == 1001


def test_bounded_read_returns_body_within_limit_and_broken_stream_is_400():
    assert webhook.read_bounded(_Stream(b"x" * 1000), None, limit=1000) == b"x" * 1000
    assert webhook.read_bounded(_Stream(b"[]"), 2) == b"[]"
    with pytest.raises(webhook.Malformed) as caught:
        webhook.read_bounded(_Stream(broken=True), None)
    assert caught.value.status == 400


def test_parse_refuses_oversized_body_as_413():
    with pytest.raises(webhook.TooLarge):
        webhook.parse_events(b" " * (webhook.MAX_BODY_BYTES + 1))
