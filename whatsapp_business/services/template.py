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


def build_components(body_values=None, header_values=None):
    """Meta ``components`` for a send: ``{n: text}`` dicts ordered by placeholder."""
    components = []
    for kind, values in (("header", header_values), ("body", body_values)):
        if values:
            components.append(
                {
                    "type": kind,
                    "parameters": [
                        {"type": "text", "text": str(values[n])} for n in sorted(values)
                    ],
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
    }
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
                result["buttons"].append(
                    {
                        "button_type": (button.get("type") or "").lower(),
                        "text": button.get("text") or "",
                        "url": button.get("url") or False,
                        "phone_number": button.get("phone_number") or False,
                    }
                )
    if result["category"] not in CATEGORIES:
        result["category"] = "utility"
    if result["status"] not in STATUSES:
        result["status"] = "pending"
    return result
