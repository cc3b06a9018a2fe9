"""Verify and normalise SendGrid's signed Event Webhook (no Odoo import).

SendGrid signs ``timestamp + raw body`` with ECDSA P-256 / SHA-256 and sends the
base64 DER signature and the timestamp in two headers. The public key is the
"verification key" shown in SendGrid's Mail Settings (base64 DER
SubjectPublicKeyInfo). Everything that can go wrong raises a
:class:`WebhookError` carrying the HTTP status the route must answer.
"""

import base64
import binascii
import json
import re
import time
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    load_der_public_key,
    load_pem_public_key,
)

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_AGE_SECONDS = 600  # 10 minutes either way: replays of old batches are refused
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_EVENTS = 10_000

EVENT_TYPES = (
    "processed",
    "dropped",
    "delivered",
    "deferred",
    "bounce",
    "open",
    "click",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
    "group_resubscribe",
)
BOUNCE_TYPES = ("bounce", "blocked")

# our unique_args (see smtpapi.py) come back flat on every event
ARG_DB = "odoo_db"
ARG_MAIL = "odoo_mail_id"
ARG_MESSAGE = "odoo_message_id"
ARG_TRACE = "odoo_trace_id"
ARG_PARTNER = "odoo_partner_id"

_TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
_ID_RE = re.compile(r"^[0-9]{1,10}$")
_MAX_INT = 2**31 - 1  # PostgreSQL integer columns


class WebhookError(Exception):
    """A request the route must refuse; ``status`` is the HTTP answer."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status


class NotConfigured(WebhookError):
    """No (usable) verification key: fail closed."""

    status = 403


class BadSignature(WebhookError):
    status = 403


class Malformed(WebhookError):
    status = 400


def load_public_key(key_text):
    """Return the EC public key from SendGrid's base64 DER (or PEM) text."""
    if not key_text or not key_text.strip():
        raise NotConfigured("no verification key configured")
    text = key_text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = load_pem_public_key(text.encode("ascii"))
        else:
            der = base64.b64decode("".join(text.split()), validate=True)
            key = load_der_public_key(der)
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise NotConfigured(f"verification key unreadable: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
        key.curve, ec.SECP256R1
    ):
        raise NotConfigured("verification key is not an ECDSA P-256 key")
    return key


def verify(public_key, raw_body, signature_b64, timestamp, now=None):
    """Check signature and freshness; raise :class:`WebhookError` otherwise.

    ``public_key`` is a key from :func:`load_public_key` or its text.
    """
    if isinstance(public_key, str) or public_key is None:
        public_key = load_public_key(public_key)
    if not isinstance(raw_body, bytes | bytearray):
        raise Malformed("body must be bytes")
    if not signature_b64 or not timestamp:
        raise BadSignature("missing signature or timestamp header")
    timestamp = timestamp.strip()
    if not _TIMESTAMP_RE.match(timestamp):
        raise BadSignature("timestamp is not a Unix time")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise BadSignature("timestamp outside the 10-minute window")
    try:
        signature = base64.b64decode(signature_b64.strip(), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise BadSignature("signature is not base64") from exc
    try:
        public_key.verify(
            signature,
            timestamp.encode("ascii") + bytes(raw_body),
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("signature does not match") from exc


def _clean(text):
    """PostgreSQL text cannot hold NUL or lone surrogates (both valid JSON)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _text(value, limit=None):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Malformed("expected a string")
    text = _clean(str(value))
    return text[:limit] if limit else text


def _int_or_none(value):
    """Our ids come back as strings; anything odd means "not ours"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= _MAX_INT else None
    if isinstance(value, str) and _ID_RE.match(value):
        number = int(value)
        return number if 0 < number <= _MAX_INT else None
    return None


def _category(value):
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(_text(v, 255) for v in value)[:1024]
    return _text(value, 1024)


def normalise_event(event):
    """Return the event as a flat dict of our column names, or None to skip.

    Raises :class:`Malformed` when the event lacks what SendGrid always sends.
    Unknown event types (e.g. account-change events) are skipped, not refused.
    """
    if not isinstance(event, dict):
        raise Malformed("event is not an object")
    sg_event_id = event.get("sg_event_id")
    if isinstance(sg_event_id, str):
        sg_event_id = _clean(sg_event_id).strip()
    if not isinstance(sg_event_id, str) or not sg_event_id:
        raise Malformed("event without sg_event_id")
    if len(sg_event_id) > 255:
        raise Malformed("sg_event_id too long")
    event_type = event.get("event")
    if not isinstance(event_type, str):
        raise Malformed("event without type")
    email = event.get("email")
    if not isinstance(email, str):
        raise Malformed("event without e-mail")
    stamp = event.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise Malformed("event without numeric timestamp")
    if not 0 <= stamp < 2**33:
        raise Malformed("timestamp out of range")
    if event_type not in EVENT_TYPES:
        return None
    bounce_type = event.get("type") if event_type == "bounce" else None
    if bounce_type not in BOUNCE_TYPES:
        bounce_type = "bounce" if event_type == "bounce" else None
    asm_group_id = _int_or_none(event.get("asm_group_id"))
    return {
        "sg_event_id": sg_event_id,
        "event_type": event_type,
        "email": _clean(email).strip().lower()[:320],
        "event_date": datetime.fromtimestamp(int(stamp), tz=timezone.utc)
        .replace(tzinfo=None)
        .isoformat(sep=" "),
        "sg_message_id": _text(event.get("sg_message_id"), 255),
        "smtp_id": _text(event.get("smtp-id"), 255),
        "reason": _text(event.get("reason"), 4096),
        "status": _text(event.get("status"), 64),
        "response": _text(event.get("response"), 4096),
        "attempt": _int_or_none(event.get("attempt")),
        "bounce_type": bounce_type,
        "bounce_classification": _text(event.get("bounce_classification"), 128),
        "url": _text(event.get("url"), 4096),
        "useragent": _text(event.get("useragent"), 1024),
        "ip": _text(event.get("ip"), 64),
        "asm_group_id": asm_group_id,
        "category": _category(event.get("category")),
        "is_machine_open": event.get("sg_machine_open") is True,
        "odoo_db": event[ARG_DB] if isinstance(event.get(ARG_DB), str) else None,
        "mail_id": _int_or_none(event.get(ARG_MAIL)),
        "message_id": _int_or_none(event.get(ARG_MESSAGE)),
        "trace_id": _int_or_none(event.get(ARG_TRACE)),
        "partner_id": _int_or_none(event.get(ARG_PARTNER)),
    }


def parse_events(raw_body):
    """Decode the JSON array and normalise every event (all or nothing)."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise TooLarge("body too large")
    try:
        payload = json.loads(bytes(raw_body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Malformed("body is not JSON") from exc
    if not isinstance(payload, list):
        raise Malformed("body is not a JSON array")
    if len(payload) > MAX_EVENTS:
        raise Malformed("too many events in one batch")
    events = []
    seen = set()
    for item in payload:
        event = normalise_event(item)
        if event and event["sg_event_id"] not in seen:
            seen.add(event["sg_event_id"])
            events.append(event)
    return events


class TooLarge(WebhookError):
    status = 413


_READ_CHUNK = 64 * 1024


def check_declared_length(content_length, limit=MAX_BODY_BYTES):
    """Refuse a body announced larger than ``limit`` before reading any of it."""
    if content_length is not None and content_length > limit:
        raise TooLarge("body too large")


def read_bounded(stream, content_length=None, limit=MAX_BODY_BYTES):
    """Read a request body of at most ``limit`` bytes, chunk by chunk.

    A declared length above the limit is refused unread; a body without
    length (chunked) is refused as soon as it passes the limit, so an
    endless body never sits whole in memory.
    """
    check_declared_length(content_length, limit)
    chunks = []
    size = 0
    while True:
        try:
            chunk = stream.read(min(_READ_CHUNK, limit + 1 - size))
        except OSError as exc:  # broken chunked encoding, client gone
            raise Malformed("body could not be read") from exc
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise TooLarge("body too large")
    return b"".join(chunks)


def verify_and_parse(key_text, raw_body, headers, now=None):
    """The whole check of one request: headers are any case-insensitive map."""
    key = load_public_key(key_text)
    verify(
        key,
        raw_body,
        _header(headers, SIGNATURE_HEADER),
        _header(headers, TIMESTAMP_HEADER),
        now=now,
    )
    return parse_events(raw_body)


def _header(headers, name):
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                value = candidate
                break
    return value if isinstance(value, str) else None


def sign(private_key, raw_body, timestamp):
    """Sign like SendGrid does (for tests and the demo): base64 DER signature."""
    signature = private_key.sign(
        str(timestamp).encode("ascii") + raw_body, ec.ECDSA(hashes.SHA256())
    )
    return base64.b64encode(signature).decode("ascii")
