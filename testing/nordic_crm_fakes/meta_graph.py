"""Fake Meta Graph API (WhatsApp Cloud API) on 127.0.0.1.

Routes (JSON shapes from Meta's documentation, see shared/reference §2):
- ``POST /{version}/{phone_number_id}/messages`` -> ``{"messages": [{"id": ...}]}``
- ``GET /{version}/{phone_number_id}`` -> phone number details
- ``GET /{version}/{waba_id}/message_templates`` -> ``data`` + ``paging``
- ``POST /{version}/{phone_number_id}/media`` (multipart upload) -> ``{"id": ...}``
- ``GET /{version}/{media_id}`` -> ``{"url": ...}``; ``GET /media/{media_id}`` -> bytes

Every route wants ``Authorization: Bearer <token>`` (else 401, code 190). As
Meta does, a send answers 131047 (free text or media to a number in
``closed_windows``), 131050 (a marketing template to a number in
``marketing_stopped``) and 131049 (one in ``marketing_limited``). Script other
errors with :meth:`queue` and :func:`meta_error`::

    fake.queue("POST", fake.messages_path, Reply(500, meta_error(2, "Down")))
    fake.queue("POST", fake.messages_path, Reply(200, {...}, delay=2))  # timeout
"""

import itertools
import re

from nordic_crm_fakes.base import FakeServer, Reply

VERSION = "v23.0"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
TOKEN = "fake-meta-token"
PLACEHOLDER = re.compile(r"\{\{\s*\d+\s*\}\}")
MAX_CODE_LENGTH = 15  # coupon code and one-time password


def meta_error(code, message, details=None, error_type="OAuthException"):
    """Body of a Graph API error answer."""
    error = {
        "message": message,
        "type": error_type,
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


def re_engagement_error():
    """Meta's answer to free text outside the 24-hour window."""
    return meta_error(
        131047,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number.",
    )


def marketing_stopped_error():
    """Meta's answer to a marketing template for a person who stopped them."""
    return meta_error(
        131050,
        "(#131050) Unable to deliver the message. This recipient has chosen to stop "
        "receiving marketing messages on WhatsApp from your business",
        "The recipient has stopped marketing messages from this business.",
    )


def marketing_limit_error():
    """Meta's per-person marketing limit (healthy ecosystem engagement)."""
    return meta_error(
        131049,
        "(#131049) This message was not delivered to maintain healthy ecosystem "
        "engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to "
        "be delivered.",
    )


def sample_templates():
    """Templates of each category and several statuses, as Meta lists them."""
    return [
        {
            "id": "1001",
            "name": "order_update",
            "language": "da",
            "status": "APPROVED",
            "category": "UTILITY",
            "components": [
                {
                    "type": "HEADER",
                    "format": "TEXT",
                    "text": "Ordre {{1}}",
                    "example": {"header_text": ["SO042"]},
                },
                {
                    "type": "BODY",
                    "text": "Hej {{1}}, din ordre er afsendt den {{2}}.",
                    "example": {"body_text": [["Jens", "12.06"]]},
                },
                {"type": "FOOTER", "text": "Nordlys ApS"},
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {
                            "type": "URL",
                            "text": "Se ordre",
                            "url": "https://example.com/o/{{1}}",
                            "example": ["https://example.com/o/SO042"],
                        }
                    ],
                },
            ],
        },
        {
            "id": "1002",
            "name": "spring_offer",
            "language": "da",
            "status": "APPROVED",
            "category": "MARKETING",
            "components": [
                {
                    "type": "BODY",
                    "text": "Hej {{1}}! Forårstilbud: {{2}} rabat.",
                    "example": {"body_text": [["Jens", "20%"]]},
                },
                {
                    "type": "BUTTONS",
                    "buttons": [{"type": "QUICK_REPLY", "text": "Stop"}],
                },
            ],
        },
        {
            "id": "1003",
            "name": "login_code",
            "language": "en_US",
            "status": "APPROVED",
            "category": "AUTHENTICATION",
            "components": [
                {"type": "BODY", "text": "{{1}} is your verification code."},
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}
                    ],
                },
            ],
        },
        {
            "id": "1004",
            "name": "draft_news",
            "language": "nl",
            "status": "PENDING",
            "category": "MARKETING",
            "components": [{"type": "BODY", "text": "Hallo {{1}}, nieuws!"}],
        },
        {
            "id": "1005",
            "name": "rejected_promo",
            "language": "en_US",
            "status": "REJECTED",
            "category": "MARKETING",
            "components": [{"type": "BODY", "text": "Buy now"}],
        },
    ]


def _count_error(where, got, expected):
    return (
        132000,
        "(#132000) Number of parameters does not match the expected number of params",
        f"{where}: number of localizable_params ({got}) does not match the "
        f"expected number of params ({expected})",
    )


def _format_error(where, detail):
    return (
        132012,
        "(#132012) Parameter format does not match format in the created template",
        f"{where}: {detail}",
    )


def _text_ok(parameter):
    return (
        parameter.get("type") == "text"
        and isinstance(parameter.get("text"), str)
        and parameter["text"].strip()
    )


def _check_header(component, parameters):
    fmt = (component.get("format") or "TEXT").lower()
    if fmt == "text":
        expected = len(PLACEHOLDER.findall(component.get("text") or ""))
        if len(parameters) != expected:
            return _count_error("header", len(parameters), expected)
        if not all(_text_ok(p) for p in parameters):
            return _format_error("header", "expected TEXT")
        return None
    if len(parameters) != 1:
        return _count_error("header", len(parameters), 1)
    parameter = parameters[0]
    value = parameter.get(fmt)
    if parameter.get("type") != fmt or not isinstance(value, dict):
        received = str(parameter.get("type") or "UNKNOWN").upper()
        return _format_error(
            "header", f"Format mismatch, expected {fmt.upper()}, received {received}"
        )
    if fmt != "location":
        if not (value.get("id") or value.get("link")):
            return _format_error("header", f"{fmt} needs an id or a link")
        return None
    try:
        latitude = float(value.get("latitude"))
        longitude = float(value.get("longitude"))
    except (TypeError, ValueError):
        return _format_error("header", "location needs latitude and longitude")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return _format_error("header", "location out of range")
    return None


def _check_button(index, button, given):
    btype = button.get("type")
    dynamic = btype in ("OTP", "COPY_CODE") or (
        btype == "URL" and PLACEHOLDER.search(button.get("url") or "")
    )
    if not dynamic:
        return None  # a quick reply may carry a payload; nothing is needed
    where = f"buttons[{index}]"
    parameters = (given or {}).get("parameters") or []
    if len(parameters) != 1:
        return _count_error(where, len(parameters), 1)
    parameter = parameters[0]
    if btype == "COPY_CODE":
        value = parameter.get("coupon_code")
        ok = (
            given.get("sub_type") == "copy_code"
            and parameter.get("type") == "coupon_code"
            and isinstance(value, str)
            and 0 < len(value) <= MAX_CODE_LENGTH
        )
    else:
        # a one-time password goes as a URL button with the code as text
        ok = given.get("sub_type") == "url" and _text_ok(parameter)
        if ok and btype == "OTP":
            ok = len(parameter["text"]) <= MAX_CODE_LENGTH
    if not ok:
        return _format_error(where, f"invalid parameter for {btype}")
    return None


def check_components(template, components):
    """What Meta answers to a send of ``template`` (its Graph JSON) with these
    ``components``: None when accepted, else ``(code, message, details)``.

    As the Cloud API does: each header/body placeholder needs one text
    parameter (132000 otherwise), a media header its file, a location header
    its coordinates, each dynamic button (URL with ``{{1}}``, copy code, one-time
    password) one parameter of the right type (132012 for a wrong type or
    format, e.g. a code over 15 characters)."""
    if not isinstance(components, list) or not all(
        isinstance(c, dict) for c in components
    ):
        return _format_error("components", "expected a list of objects")
    sent, buttons = {}, {}
    for component in components:
        kind = str(component.get("type") or "").lower()
        if kind == "button":
            buttons[str(component.get("index"))] = component
        else:
            sent[kind] = component
    for component in template.get("components") or []:
        kind = component["type"].lower()
        problem = None
        if kind in ("header", "body"):
            parameters = (sent.pop(kind, None) or {}).get("parameters") or []
            if kind == "header":
                problem = _check_header(component, parameters)
            else:
                expected = len(PLACEHOLDER.findall(component.get("text") or ""))
                if len(parameters) != expected:
                    problem = _count_error("body", len(parameters), expected)
                elif not all(_text_ok(p) for p in parameters):
                    problem = _format_error("body", "expected TEXT")
        elif kind == "buttons":
            for index, button in enumerate(component.get("buttons") or []):
                problem = problem or _check_button(
                    index, button, buttons.pop(str(index), None)
                )
        if problem:
            return problem
    if sent:
        return _count_error(sorted(sent)[0], "unexpected", 0)
    if buttons:
        return _count_error(f"buttons[{sorted(buttons)[0]}]", "unexpected", 0)
    return None


class FakeMetaGraph(FakeServer):
    """Scriptable fake of the Graph API endpoints whatsapp_business uses."""

    def __init__(
        self,
        token=TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        version=VERSION,
        templates=None,
    ):
        super().__init__()
        self.token = token
        self.phone_number_id = phone_number_id
        self.waba_id = waba_id
        self.version = version
        self.templates = sample_templates() if templates is None else templates
        self.media = {}  # media id -> (bytes, mime type)
        self.media_urls = {}  # media id -> download address, when not our own
        self.sent = []  # JSON bodies of accepted sends
        self.uploads = []  # raw multipart bodies of uploaded media
        self.closed_windows = set()  # numbers whose 24-hour window has closed
        self.marketing_stopped = set()  # numbers that stopped marketing messages
        self.marketing_limited = set()  # numbers at Meta's marketing limit
        self._ids = itertools.count(1)

    # -- helpers for tests -------------------------------------------------
    @property
    def messages_path(self):
        return f"/{self.version}/{self.phone_number_id}/messages"

    @property
    def media_path(self):
        return f"/{self.version}/{self.phone_number_id}/media"

    @property
    def templates_path(self):
        return f"/{self.version}/{self.waba_id}/message_templates"

    def add_media(self, media_id, content, mime_type="image/jpeg", url=None):
        """Serve an inbound media; ``url`` replaces the download address Meta
        would give (e.g. another host, to prove the client refuses to follow it)."""
        self.media[media_id] = (content, mime_type)
        if url:
            self.media_urls[media_id] = url

    # -- routes ------------------------------------------------------------
    def handle(self, request):
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(
                401, meta_error(190, "Invalid OAuth access token - Cannot parse")
            )
        parts = [p for p in request.path.split("/") if p]
        if parts and parts[0] == "media" and len(parts) == 2:
            return self._download(parts[1])
        if not parts or parts[0] != self.version:
            return Reply(400, meta_error(2635, "Unknown API version"))
        parts = parts[1:]
        if request.method == "POST" and parts == [self.phone_number_id, "messages"]:
            return self._send(request)
        if request.method == "POST" and parts == [self.phone_number_id, "media"]:
            if b'name="messaging_product"' not in request.body:
                return Reply(400, meta_error(100, "Param messaging_product required"))
            self.uploads.append(request.body)
            return Reply(200, {"id": f"upload-{len(self.uploads)}"})
        if request.method == "GET" and parts == [self.waba_id, "message_templates"]:
            return self._templates(request)
        if request.method == "GET" and parts == [self.phone_number_id]:
            return Reply(
                200,
                {
                    "id": self.phone_number_id,
                    "display_phone_number": "+45 70 20 30 40",
                    "verified_name": "Nordlys ApS",
                    "quality_rating": "GREEN",
                },
            )
        if request.method == "GET" and len(parts) == 1 and parts[0] in self.media:
            content, mime = self.media[parts[0]]
            return Reply(
                200,
                {
                    "messaging_product": "whatsapp",
                    "url": self.media_urls.get(parts[0])
                    or f"{self.url}/media/{parts[0]}",
                    "mime_type": mime,
                    "sha256": "0" * 64,
                    "file_size": len(content),
                    "id": parts[0],
                },
            )
        return Reply(
            400,
            meta_error(
                100,
                "Unsupported get request. Object does not exist",
                error_type="GraphMethodException",
            ),
        )

    def _download(self, media_id):
        if media_id not in self.media:
            return Reply(404, meta_error(100, "Media not found"))
        content, mime = self.media[media_id]
        return Reply(200, content, headers={"Content-Type": mime})

    def _send(self, request):
        body = request.json() or {}
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return Reply(
                400, meta_error(100, "(#100) Invalid parameter", "Parameter 'to'")
            )
        if body.get("type") == "template":
            sent = body.get("template") or {}
            language = (sent.get("language") or {}).get("code")
            template = next(
                (
                    t
                    for t in self.templates
                    if t["status"] == "APPROVED"
                    and t["name"] == sent.get("name")
                    and t["language"] == language
                ),
                None,
            )
            if template is None:
                return Reply(
                    404,
                    meta_error(
                        132001,
                        "Template name does not exist in the translation",
                        "template name does not exist in the language",
                    ),
                )
            problem = check_components(template, sent.get("components") or [])
            if problem:
                return Reply(400, meta_error(*problem))
            if template["category"] == "MARKETING":
                if body["to"] in self.marketing_stopped:
                    return Reply(400, marketing_stopped_error())
                if body["to"] in self.marketing_limited:
                    return Reply(400, marketing_limit_error())
        elif body["to"] in self.closed_windows:
            return Reply(400, re_engagement_error())
        self.sent.append(body)
        wamid = f"wamid.FAKE{next(self._ids):06d}"
        return Reply(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            },
        )

    def _templates(self, request):
        limit = int(request.query.get("limit") or 25)
        start = int(request.query.get("after") or 0)
        page = self.templates[start : start + limit]
        data = {"data": page, "paging": {"cursors": {"before": str(start)}}}
        if start + limit < len(self.templates):
            after = str(start + limit)
            data["paging"]["cursors"]["after"] = after
            data["paging"]["next"] = (
                f"{self.url}{request.path}?limit={limit}&after={after}"
            )
        return Reply(200, data)
