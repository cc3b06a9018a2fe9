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
# Meta batches a few hundred notifications of a few KB each; larger is not Meta.
MAX_BODY_BYTES = 1024 * 1024
MAX_PARAM_LENGTH = 256
_CHALLENGE = re.compile(r"^[0-9A-Za-z_.-]{1,128}$")


def _dict(value):
    return value if isinstance(value, dict) else {}


def _dicts(value):
    """The dict items of a JSON list (anything else is ignored)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _text(value):
    """A JSON scalar as text without NUL bytes (PostgreSQL refuses them)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "") or None


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


def is_valid_param(value):
    """A query parameter we may look at: text, not too long, no control character."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_PARAM_LENGTH
        and value.isprintable()
    )


def verify_challenge(params, verify_tokens):
    """The handshake answer for ``GET ?hub.mode&hub.verify_token&hub.challenge``.

    Returns the challenge to echo, or None when the token matches none of
    ``verify_tokens`` (compared in constant time) or the challenge is not the
    short token Meta sends (we never echo arbitrary text).
    """
    if params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token") or ""
    challenge = params.get("hub.challenge")
    if not isinstance(token, str) or not token or not isinstance(challenge, str):
        return None
    if not _CHALLENGE.match(challenge):
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
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _message_text(message):
    kind = message.get("type")
    part = _dict(message.get(kind)) if isinstance(kind, str) else {}
    if kind == "text":
        return _text(part.get("body")) or ""
    if kind in MEDIA_TYPES:
        return _text(part.get("caption")) or ""
    if kind == "button":
        return _text(part.get("text")) or _text(part.get("payload")) or ""
    if kind == "interactive":
        reply = _dict(part.get("button_reply")) or _dict(part.get("list_reply"))
        if reply:
            title = _text(reply.get("title")) or _text(reply.get("id")) or ""
            description = _text(reply.get("description"))
            return f"{title}\n{description}" if description else title
        flow = _dict(part.get("nfm_reply"))
        return _text(flow.get("body")) or _text(flow.get("name")) or ""
    if kind == "reaction":
        return _text(part.get("emoji")) or ""
    if kind == "order":
        return _order_text(part)
    if kind == "system":
        return _text(part.get("body")) or _text(part.get("type")) or ""
    if kind == "unsupported":
        errors = _dicts(message.get("errors")) or _dicts(part.get("errors"))
        return "; ".join(_error_line(e) for e in errors)
    if kind == "location":
        label = " ".join(
            filter(None, (_text(part.get(k)) for k in ("name", "address")))
        )
        coords = f"{_text(part.get('latitude'))}, {_text(part.get('longitude'))}"
        return f"{label} ({coords})" if label else coords
    if kind == "contacts":
        contacts = _dicts(message.get("contacts"))
        names = [_text(_dict(c.get("name")).get("formatted_name")) for c in contacts]
        phones = [
            _text(p.get("phone")) for c in contacts for p in _dicts(c.get("phones"))
        ]
        return ", ".join(filter(None, names + phones))
    return ""


def _order_text(order):
    """One line per ordered product: ``2 × SKU-1 (99.50 DKK)``, then the note."""
    lines = []
    for item in _dicts(order.get("product_items")):
        product = _text(item.get("product_retailer_id")) or "?"
        quantity = _text(item.get("quantity")) or "1"
        price = _text(item.get("item_price"))
        currency = _text(item.get("currency")) or ""
        line = f"{quantity} × {product}"
        if price:
            line += f" ({price} {currency})".replace(" )", ")")
        lines.append(line)
    note = _text(order.get("text"))
    if note:
        lines.append(note)
    return "\n".join(lines)


def _normalise_message(message, contacts, metadata, waba_id):
    sender = _text(message.get("from")) or ""
    contact = next(
        (
            c
            for c in contacts
            if sender and sender in (_text(c.get("wa_id")), _text(c.get("user_id")))
        ),
        contacts[0] if len(contacts) == 1 else {},
    )
    wa_id = _text(contact.get("wa_id")) or (sender if is_phone(sender) else None)
    user_id = (
        _text(message.get("from_user_id"))
        or _text(contact.get("user_id"))
        or (sender if sender and not is_phone(sender) else None)
    )
    kind = _text(message.get("type")) or "unknown"
    media = None
    if kind in MEDIA_TYPES:
        data = _dict(message.get(kind))
        media = {
            "id": _text(data.get("id")),
            "mime_type": _text(data.get("mime_type")),
            "filename": _text(data.get("filename")),
            "caption": _text(data.get("caption")),
        }
    return {
        "wamid": _text(message.get("id")),
        "waba_id": waba_id,
        "phone_number_id": _text(metadata.get("phone_number_id")),
        "phone": wa_id if is_phone(wa_id) else None,
        "user_id": user_id,
        "profile_name": _text(_dict(contact.get("profile")).get("name")),
        "timestamp": _timestamp(message.get("timestamp")),
        "type": kind,
        "body": _message_text(message),
        "media": media,
        "context_id": _text(_dict(message.get("context")).get("id")),
    }


def _normalise_status(status, metadata, waba_id):
    errors = _dicts(status.get("errors"))
    pricing = _dict(status.get("pricing"))
    conversation = _dict(status.get("conversation"))
    billable = pricing.get("billable")
    return {
        "wamid": _text(status.get("id")),
        "waba_id": waba_id,
        "phone_number_id": _text(metadata.get("phone_number_id")),
        "status": _text(status.get("status")),
        "timestamp": _timestamp(status.get("timestamp")),
        "recipient_id": _text(status.get("recipient_id"))
        or _text(status.get("recipient_user_id")),
        "error": "; ".join(_error_line(e) for e in errors) or None,
        "error_codes": [
            code for code in (_error_code(e) for e in errors) if code is not None
        ],
        "pricing_category": _text(pricing.get("category")),
        "pricing_model": _text(pricing.get("pricing_model")),
        "pricing_type": _text(pricing.get("type")),
        "billable": bool(billable) if billable is not None else None,
        "conversation_id": _text(conversation.get("id")),
    }


def _error_code(error):
    if isinstance(error.get("code"), bool):
        return None
    try:
        return int(error.get("code"))
    except (TypeError, ValueError):
        return None


def _error_line(error):
    code = _text(error.get("code"))
    text = _text(error.get("message")) or _text(error.get("title")) or ""
    details = _text(_dict(error.get("error_data")).get("details"))
    if details and details not in text:
        text = f"{text}: {details}" if text else details
    return f"(#{code}) {text}" if code else text


def _normalise_preference(preference, contacts, metadata, waba_id):
    """A ``user_preferences`` item: the person stopped or resumed marketing."""
    sender = _text(preference.get("wa_id")) or ""
    contact = next(
        (
            c
            for c in contacts
            if sender and sender in (_text(c.get("wa_id")), _text(c.get("user_id")))
        ),
        contacts[0] if len(contacts) == 1 else {},
    )
    user_id = (
        _text(preference.get("user_id"))
        or _text(contact.get("user_id"))
        or (sender if sender and not is_phone(sender) else None)
    )
    return {
        "waba_id": waba_id,
        "phone_number_id": _text(metadata.get("phone_number_id")),
        "phone": sender if is_phone(sender) else None,
        "user_id": user_id,
        "profile_name": _text(_dict(contact.get("profile")).get("name")),
        "category": _text(preference.get("category")),
        "value": (_text(preference.get("value")) or "").lower(),
        "detail": _text(preference.get("detail")),
        "timestamp": _timestamp(preference.get("timestamp")),
    }


def _template_update(value, waba_id):
    return {
        "waba_id": waba_id,
        "template_id": _text(value.get("message_template_id")) or "",
        "name": _text(value.get("message_template_name")),
        "language": _text(value.get("message_template_language")),
    }


def parse_payload(payload):
    """Split a webhook body into ``{"messages": [...], "statuses": [...],
    "template_updates": [...], "preferences": [...]}`` of plain dicts. Unknown
    fields are ignored, and so is anything of an unexpected JSON type; texts
    carry no NUL byte."""
    result = {
        "messages": [],
        "statuses": [],
        "template_updates": [],
        "preferences": [],
    }
    if not isinstance(payload, dict) or payload.get("object") != (
        "whatsapp_business_account"
    ):
        return result
    for entry in _dicts(payload.get("entry")):
        waba_id = _text(entry.get("id"))
        for change in _dicts(entry.get("changes")):
            field = change.get("field")
            value = _dict(change.get("value"))
            if field == "messages":
                metadata = _dict(value.get("metadata"))
                contacts = _dicts(value.get("contacts"))
                for message in _dicts(value.get("messages")):
                    result["messages"].append(
                        _normalise_message(message, contacts, metadata, waba_id)
                    )
                for status in _dicts(value.get("statuses")):
                    result["statuses"].append(
                        _normalise_status(status, metadata, waba_id)
                    )
            elif field == "user_preferences":
                metadata = _dict(value.get("metadata"))
                contacts = _dicts(value.get("contacts"))
                for preference in _dicts(value.get("user_preferences")):
                    item = _normalise_preference(
                        preference, contacts, metadata, waba_id
                    )
                    if item["category"] == "marketing_messages" and item["value"] in (
                        "stop",
                        "resume",
                    ):
                        result["preferences"].append(item)
            elif field == "message_template_status_update":
                update = _template_update(value, waba_id)
                update["status"] = (_text(value.get("event")) or "").lower()
                reason = _text(value.get("reason"))
                # Meta sends "NONE" when there is no reason
                update["reason"] = None if (reason or "").upper() == "NONE" else reason
                other = _dict(value.get("other_info"))
                update["detail"] = _text(other.get("description")) or _text(
                    other.get("title")
                )
                result["template_updates"].append(update)
            elif field == "message_template_quality_update":
                update = _template_update(value, waba_id)
                update["quality"] = (
                    _text(value.get("new_quality_score")) or ""
                ).lower()
                result["template_updates"].append(update)
            elif field == "template_category_update":
                # Meta may re-categorise a template (e.g. utility -> marketing)
                update = _template_update(value, waba_id)
                update["category"] = (_text(value.get("new_category")) or "").lower()
                result["template_updates"].append(update)
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
