"""Verify and normalise Meta's WhatsApp webhook calls into plain dicts."""

import hashlib
import hmac
import re
from datetime import datetime, timezone

SIGNATURE_PREFIX = "sha256="
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DIGITS = re.compile(r"^\+?\d{6,16}$")

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3}


def compute_signature(app_secret, raw_body):
    """``sha256=<hex>`` as Meta puts it in ``X-Hub-Signature-256``."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(app_secret, raw_body, header):
    """True when ``header`` is the HMAC-SHA256 of ``raw_body`` keyed with the secret.

    Fails closed: no secret, no header or a malformed header is never valid.
    """
    if not app_secret or not header or not isinstance(raw_body, bytes):
        return False
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        return False
    if not _HEX64.match(header[len(SIGNATURE_PREFIX) :].lower()):
        return False
    expected = compute_signature(app_secret, raw_body)
    return hmac.compare_digest(expected.encode(), header.lower().encode())


def verify_challenge(params, verify_tokens):
    """The handshake answer for ``GET ?hub.mode&hub.verify_token&hub.challenge``.

    Returns the challenge to echo, or None when the token matches none of
    ``verify_tokens`` (compared in constant time).
    """
    if params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token") or ""
    challenge = params.get("hub.challenge")
    if not token or challenge is None:
        return None
    matched = False
    for candidate in verify_tokens:
        if candidate and hmac.compare_digest(candidate.encode(), token.encode()):
            matched = True
    return challenge if matched else None


def is_phone(value):
    """Meta's ``from``/``wa_id`` is digits; a business-scoped user id is not."""
    return bool(value) and bool(_DIGITS.match(str(value)))


def _timestamp(value):
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError):
        return None


def _message_text(message):
    kind = message.get("type")
    if kind == "text":
        return (message.get("text") or {}).get("body") or ""
    if kind in MEDIA_TYPES:
        return (message.get(kind) or {}).get("caption") or ""
    if kind == "button":
        return (message.get("button") or {}).get("text") or ""
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return reply.get("title") or ""
    if kind == "reaction":
        return (message.get("reaction") or {}).get("emoji") or ""
    if kind == "location":
        loc = message.get("location") or {}
        label = " ".join(str(loc[k]) for k in ("name", "address") if loc.get(k))
        coords = f"{loc.get('latitude')}, {loc.get('longitude')}"
        return f"{label} ({coords})" if label else coords
    if kind == "contacts":
        names = [
            (c.get("name") or {}).get("formatted_name") or ""
            for c in message.get("contacts") or []
        ]
        phones = [
            p.get("phone") or ""
            for c in message.get("contacts") or []
            for p in c.get("phones") or []
        ]
        return ", ".join(filter(None, names + phones))
    return ""


def _normalise_message(message, contacts, metadata, waba_id):
    sender = message.get("from") or ""
    contact = next(
        (
            c
            for c in contacts
            if sender and sender in (c.get("wa_id"), c.get("user_id"))
        ),
        contacts[0] if len(contacts) == 1 else {},
    )
    wa_id = contact.get("wa_id") or (sender if is_phone(sender) else None)
    user_id = (
        message.get("from_user_id")
        or contact.get("user_id")
        or (sender if sender and not is_phone(sender) else None)
    )
    kind = message.get("type") or "unknown"
    media = None
    if kind in MEDIA_TYPES:
        data = message.get(kind) or {}
        media = {
            "id": data.get("id"),
            "mime_type": data.get("mime_type"),
            "filename": data.get("filename"),
            "caption": data.get("caption"),
        }
    return {
        "wamid": message.get("id"),
        "waba_id": waba_id,
        "phone_number_id": metadata.get("phone_number_id"),
        "phone": wa_id if is_phone(wa_id) else None,
        "user_id": user_id,
        "profile_name": (contact.get("profile") or {}).get("name"),
        "timestamp": _timestamp(message.get("timestamp")),
        "type": kind,
        "body": _message_text(message),
        "media": media,
        "context_id": (message.get("context") or {}).get("id"),
    }


def _normalise_status(status, metadata, waba_id):
    errors = status.get("errors") or []
    pricing = status.get("pricing") or {}
    conversation = status.get("conversation") or {}
    billable = pricing.get("billable")
    return {
        "wamid": status.get("id"),
        "waba_id": waba_id,
        "phone_number_id": metadata.get("phone_number_id"),
        "status": status.get("status"),
        "timestamp": _timestamp(status.get("timestamp")),
        "recipient_id": status.get("recipient_id") or status.get("recipient_user_id"),
        "error": "; ".join(_error_line(e) for e in errors) or None,
        "pricing_category": pricing.get("category"),
        "pricing_model": pricing.get("pricing_model"),
        "pricing_type": pricing.get("type"),
        "billable": bool(billable) if billable is not None else None,
        "conversation_id": conversation.get("id"),
    }


def _error_line(error):
    code = error.get("code")
    text = error.get("message") or error.get("title") or ""
    details = (error.get("error_data") or {}).get("details")
    if details and details not in text:
        text = f"{text}: {details}" if text else details
    return f"(#{code}) {text}" if code else text


def parse_payload(payload):
    """Split a webhook body into ``{"messages": [...], "statuses": [...],
    "template_updates": [...]}`` of plain dicts. Unknown fields are ignored."""
    result = {"messages": [], "statuses": [], "template_updates": []}
    if not isinstance(payload, dict) or payload.get("object") != (
        "whatsapp_business_account"
    ):
        return result
    for entry in payload.get("entry") or []:
        waba_id = str(entry.get("id") or "") or None
        for change in entry.get("changes") or []:
            field = change.get("field")
            value = change.get("value") or {}
            if field == "messages":
                metadata = value.get("metadata") or {}
                contacts = value.get("contacts") or []
                for message in value.get("messages") or []:
                    result["messages"].append(
                        _normalise_message(message, contacts, metadata, waba_id)
                    )
                for status in value.get("statuses") or []:
                    result["statuses"].append(
                        _normalise_status(status, metadata, waba_id)
                    )
            elif field == "message_template_status_update":
                result["template_updates"].append(
                    {
                        "waba_id": waba_id,
                        "template_id": str(value.get("message_template_id") or ""),
                        "name": value.get("message_template_name"),
                        "language": value.get("message_template_language"),
                        "status": (value.get("event") or "").lower(),
                        "reason": value.get("reason"),
                    }
                )
            elif field == "template_category_update":
                # Meta may re-categorise a template (e.g. utility -> marketing)
                result["template_updates"].append(
                    {
                        "waba_id": waba_id,
                        "template_id": str(value.get("message_template_id") or ""),
                        "name": value.get("message_template_name"),
                        "language": value.get("message_template_language"),
                        "category": (value.get("new_category") or "").lower(),
                    }
                )
    return result


def status_moves_forward(current, new):
    """Statuses arrive duplicated and out of order: only move forward.

    ``failed`` may replace outgoing/sent/delivered; ``read`` may skip ``delivered``.
    """
    if new == current:
        return False
    if new == "failed":
        return current in ("outgoing", "sent", "delivered", None, False)
    if current in ("failed", "received"):
        return False
    return STATUS_ORDER.get(new, 0) > STATUS_ORDER.get(current, 0)
