"""Fake Meta Graph API (WhatsApp Cloud API) on 127.0.0.1.

Routes (JSON shapes from Meta's documentation, see shared/reference §2):
- ``POST /{version}/{phone_number_id}/messages`` -> ``{"messages": [{"id": ...}]}``
- ``GET /{version}/{phone_number_id}`` -> phone number details
- ``GET /{version}/{waba_id}/message_templates`` -> ``data`` + ``paging``
- ``POST /{version}/{phone_number_id}/media`` (multipart upload) -> ``{"id": ...}``
- ``GET /{version}/{media_id}`` -> ``{"url": ...}``; ``GET /media/{media_id}`` -> bytes

Every route wants ``Authorization: Bearer <token>`` (else 401, code 190). Script
errors with :meth:`queue` and :func:`meta_error`::

    fake.queue("POST", fake.messages_path, Reply(500, meta_error(2, "Down")))
    fake.queue("POST", fake.messages_path, Reply(200, {...}, delay=2))  # timeout
"""

import itertools

from nordic_crm_fakes.base import FakeServer, Reply

VERSION = "v23.0"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
TOKEN = "fake-meta-token"


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
                    "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}],
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
            names = {t["name"] for t in self.templates if t["status"] == "APPROVED"}
            if (body.get("template") or {}).get("name") not in names:
                return Reply(
                    404,
                    meta_error(
                        132001,
                        "Template name does not exist in the translation",
                        "template name does not exist in the language",
                    ),
                )
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
