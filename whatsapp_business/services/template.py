"""WhatsApp message templates: ``{{n}}`` placeholders, rendering, Meta components."""

import re

PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")

CATEGORIES = ("marketing", "utility", "authentication")
STATUSES = (
    "approved",
    "pending",
    "rejected",
    "paused",
    "disabled",
    "in_appeal",
    "pending_deletion",
    "deleted",
    "limit_exceeded",
    "archived",
)
QUALITY_RATINGS = ("green", "yellow", "red", "unknown")


def placeholders(text):
    """Sorted distinct placeholder numbers in ``text``: ``"{{2}} {{1}}"`` -> [1, 2]."""
    return sorted({int(n) for n in PLACEHOLDER.findall(text or "")})


def render(text, values):
    """Replace ``{{n}}`` by ``values[n]`` (int keys); unknown ones stay visible."""

    def _sub(match):
        number = int(match.group(1))
        value = values.get(number)
        return match.group(0) if value in (None, "", False) else str(value)

    return PLACEHOLDER.sub(_sub, text or "")


# Meta's limits on parameter values (Cloud API "Template messages").
MAX_CODE_LENGTH = 15  # copy-code coupon and one-time password
MAX_HEADER_PARAM_LENGTH = 60
# button types whose parameter is sent as ``sub_type`` with that parameter type
BUTTON_PARAMETERS = {"url": "text", "copy_code": "coupon_code", "otp": "text"}


def button_is_dynamic(button):
    """The button takes a value when sending: a URL with ``{{1}}``, a copy-code
    button, or a one-time-password button (its value is the code)."""
    kind = button.get("button_type")
    if kind == "url":
        return bool(PLACEHOLDER.search(button.get("url") or ""))
    return kind in ("copy_code", "otp")


def url_suffix_example(url, example):
    """The dynamic suffix in Meta's example of a ``https://x/{{1}}`` button."""
    prefix = PLACEHOLDER.split(url or "")[0]
    if example and prefix and example.startswith(prefix):
        return example[len(prefix) :]
    return example or False


def build_components(
    body_values=None, header_values=None, button_values=None, location=None
):
    """Meta ``components`` for a send: ``{n: text}`` dicts ordered by placeholder.

    ``button_values`` is ``{index: (button_type, text)}`` for the dynamic
    buttons (``index`` 0-based as Meta counts them); ``location`` a dict with
    latitude, longitude, name and address for a location header.
    """
    components = []
    if location:
        components.append(
            {
                "type": "header",
                "parameters": [
                    {
                        "type": "location",
                        "location": {k: v for k, v in location.items() if v},
                    }
                ],
            }
        )
    for kind, values in (("header", header_values), ("body", body_values)):
        if values and not (kind == "header" and location):
            components.append(
                {
                    "type": kind,
                    "parameters": [
                        {"type": "text", "text": str(values[n])} for n in sorted(values)
                    ],
                }
            )
    for index in sorted(button_values or {}):
        kind, value = button_values[index]
        parameter = BUTTON_PARAMETERS[kind]
        components.append(
            {
                "type": "button",
                # a one-time password goes out as a URL button with the code
                "sub_type": "copy_code" if kind == "copy_code" else "url",
                "index": str(index),
                "parameters": [{"type": parameter, parameter: str(value)}],
            }
        )
    return components


# Header formats whose content is a file, and the file types Meta accepts for
# each (WhatsApp Cloud API "Supported media types").
MEDIA_HEADER_TYPES = {
    "image": ("image/jpeg", "image/png"),
    "video": ("video/mp4", "video/3gpp"),
    "document": (
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}


def with_media_header(components, kind, media_id, filename=None):
    """``components`` with the header parameter of a media-header template:
    ``{"type": "header", "parameters": [{"type": kind, kind: {"id": ...}}]}``."""
    media = {"id": media_id}
    if kind == "document" and filename:
        media["filename"] = filename
    header = {"type": "header", "parameters": [{"type": kind, kind: media}]}
    return [header] + [c for c in components or [] if c.get("type") != "header"]


def _examples(component, key):
    example = component.get("example") or {}
    values = example.get(key) or []
    if values and isinstance(values[0], list):
        values = values[0]
    return [str(v) for v in values]


def parse_template(data):
    """Meta's template JSON -> plain dict of what the addon stores."""
    result = {
        "meta_id": str(data.get("id") or ""),
        "name": data.get("name") or "",
        "language": data.get("language") or "",
        "category": (data.get("category") or "").lower(),
        "status": (data.get("status") or "").lower(),
        "header_format": False,
        "header_text": False,
        "body": "",
        "footer": False,
        "buttons": [],
        "body_examples": [],
        "header_examples": [],
        "quality": False,
        "reason": False,
    }
    quality = data.get("quality_score")
    if isinstance(quality, dict):
        quality = quality.get("score")
    if isinstance(quality, str) and quality.lower() in QUALITY_RATINGS:
        result["quality"] = quality.lower()
    reason = data.get("rejected_reason")
    if isinstance(reason, str) and reason.upper() != "NONE":
        result["reason"] = reason
    for component in data.get("components") or []:
        kind = (component.get("type") or "").upper()
        if kind == "HEADER":
            result["header_format"] = (component.get("format") or "TEXT").lower()
            result["header_text"] = component.get("text") or False
            result["header_examples"] = _examples(component, "header_text")
        elif kind == "BODY":
            result["body"] = component.get("text") or ""
            result["body_examples"] = _examples(component, "body_text")
        elif kind == "FOOTER":
            result["footer"] = component.get("text") or False
        elif kind == "BUTTONS":
            for button in component.get("buttons") or []:
                kind = (button.get("type") or "").lower()
                example = button.get("example")
                if isinstance(example, list):
                    example = example[0] if example else None
                example = str(example) if example else False
                if kind == "url":
                    example = url_suffix_example(button.get("url"), example)
                result["buttons"].append(
                    {
                        "button_type": kind,
                        "text": button.get("text") or "",
                        "url": button.get("url") or False,
                        "phone_number": button.get("phone_number") or False,
                        "example": example,
                        "otp_type": (button.get("otp_type") or "").lower() or False,
                    }
                )
    if result["category"] not in CATEGORIES:
        result["category"] = "utility"
    if result["status"] not in STATUSES:
        result["status"] = "pending"
    return result
