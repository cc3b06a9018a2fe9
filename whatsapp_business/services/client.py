"""The only code of whatsapp_business that speaks HTTP: Meta's WhatsApp Cloud API.

Errors are mapped to two exception classes so the queue knows what to do:
:class:`RetryableError` (timeouts, connection errors, 429, 5xx and Meta's
"temporarily unavailable / throttled" codes) is tried again later,
:class:`PermanentError` (any other 4xx) fails the message with Meta's reason.
"""

import logging
import re
from urllib.parse import urlsplit

import requests

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
DEFAULT_TIMEOUT = 20
_API_VERSION = re.compile(r"^v?\d{1,3}\.\d{1,3}$")

# Where Meta serves inbound media: the short-lived ``url`` of ``GET /{media-id}``
# is on lookaside.fbsbx.com (Meta's CDN hosts *.fbcdn.net and the Graph host
# itself also serve files). The token is only ever sent to these hosts or to
# the configured Graph API URL.
META_MEDIA_HOSTS = frozenset({"lookaside.fbsbx.com", "graph.facebook.com"})
META_MEDIA_HOST_SUFFIXES = (".fbcdn.net",)
# plain http is accepted only for a Graph API URL on this machine (fakes, proxies)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# What Meta accepts per media kind (bytes); larger files are refused up front.
MEDIA_LIMITS = {
    "image": 5 * 1024 * 1024,
    "video": 16 * 1024 * 1024,
    "audio": 16 * 1024 * 1024,
    "document": 100 * 1024 * 1024,
}
IMAGE_TYPES = ("image/jpeg", "image/png")
VIDEO_TYPES = ("video/mp4", "video/3gpp")
AUDIO_TYPES = ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg")


def media_kind(mime_type):
    """How WhatsApp sends a file of this type: image, video, audio or document."""
    mime = (mime_type or "").split(";")[0].strip().lower()
    if mime in IMAGE_TYPES:
        return "image"
    if mime in VIDEO_TYPES:
        return "video"
    if mime in AUDIO_TYPES:
        return "audio"
    return "document"


def origin(url):
    """``(scheme, host, port)`` of an absolute http(s) URL; None when it is not one
    (or carries a user name, which could hide the real host)."""
    if not isinstance(url, str) or any(ord(c) < 33 or ord(c) > 126 for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc:
        return None
    return (
        parts.scheme,
        parts.hostname.lower(),
        port or (443 if parts.scheme == "https" else 80),
    )


def base_url_problem(url):
    """Why ``url`` cannot be a Graph API URL (English text), or None when it can.

    An https:// address without query or fragment; plain http only on loopback.
    """
    where = origin(url)
    if not where:
        return "not an http(s) address"
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return "query and fragment are not allowed"
    scheme, host, _port = where
    if scheme != "https" and host not in LOOPBACK_HOSTS:
        return "only https:// is allowed"
    return None


def api_version_problem(version):
    """Why ``version`` is not a Graph version like ``v23.0``, or None."""
    if not isinstance(version, str) or not _API_VERSION.match(version):
        return "expected a version like v23.0"
    return None


def is_meta_media_url(url):
    """True for an https URL on one of Meta's media hosts."""
    where = origin(url)
    if not where:
        return False
    scheme, host, port = where
    return (
        scheme == "https"
        and port == 443
        and (host in META_MEDIA_HOSTS or host.endswith(META_MEDIA_HOST_SUFFIXES))
    )


# Meta answers some transient conditions with HTTP 400 and one of these codes:
# 1 unknown/temporary, 2 service unavailable, 4 / 80007 / 130429 rate limits,
# 17 user rate limit, 341 application limit, 131000 "something went wrong",
# 131016 service overloaded, 131056 too many messages to one person.
RETRYABLE_META_CODES = frozenset(
    {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131056}
)
# Permanent answers the queue acts on beyond failing the message:
RE_ENGAGEMENT_CODE = 131047  # the 24-hour window is closed: only templates
MARKETING_LIMIT_CODE = 131049  # Meta's per-person marketing limit (no opt-out)
MARKETING_STOPPED_CODE = 131050  # the person stopped marketing messages


class WhatsAppError(Exception):
    """A call to the Graph API failed; ``message`` is fit to show a user."""

    retryable = False

    def __init__(self, message, status=None, code=None, details=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details

    def __str__(self):
        return self.message


class RetryableError(WhatsAppError):
    """Meta could not be reached or asked us to come back later."""

    retryable = True


class PermanentError(WhatsAppError):
    """Meta refused the request; sending it again would fail the same way."""


def error_text(error):
    """Meta's error object -> one readable line: ``(#code) message: details``."""
    if not isinstance(error, dict):
        return str(error or "")
    message = error.get("message") or error.get("title") or ""
    details = (error.get("error_data") or {}).get("details")
    if not details:
        details = error.get("error_user_msg")
    code = error.get("code")
    # Meta's message often starts with the code already: "(#131050) Unable…"
    text = f"(#{code}) {message}" if code and f"(#{code})" not in message else message
    if details and details not in message:
        text = f"{text}: {details}"
    return text.strip()


class WhatsAppClient:
    """Client of one WhatsApp Business phone number.

    :param base_url: Graph host, e.g. ``https://graph.facebook.com``; tests point it
        at a fake server. The token is sent to this host only (and, for inbound
        media, to Meta's media hosts, see :func:`is_meta_media_url`).
    :param api_version: Graph version segment, e.g. ``v23.0``.
    """

    def __init__(
        self,
        token,
        phone_number_id=None,
        business_account_id=None,
        base_url=DEFAULT_BASE_URL,
        api_version=DEFAULT_API_VERSION,
        timeout=DEFAULT_TIMEOUT,
        session=None,
    ):
        self.token = token
        self.phone_number_id = phone_number_id
        self.business_account_id = business_account_id
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.origin = origin(self.base_url)
        version = (api_version or DEFAULT_API_VERSION).strip("/")
        if not version.startswith("v"):
            version = f"v{version}"
        self.api_version = version
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.session = session or requests.Session()

    # -- plumbing ----------------------------------------------------------
    def _url(self, path):
        return f"{self.base_url}/{self.api_version}/{path.lstrip('/')}"

    def _is_api_url(self, url):
        return bool(self.origin) and origin(url) == self.origin

    def may_receive_token(self, url):
        """True when ``url`` is on the configured Graph host or a Meta media host."""
        return self._is_api_url(url) or is_meta_media_url(url)

    def _request(
        self, method, url, *, params=None, json=None, data=None, files=None, raw=False
    ):
        if not self.token:
            raise PermanentError("No access token is configured.")
        # API calls go to the configured host only; downloads (raw) may also
        # go to Meta's media hosts
        allowed = self.may_receive_token(url) if raw else self._is_api_url(url)
        if not allowed:
            raise PermanentError(f"Refused to send the access token to {url}.")
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                files=files,
                headers=headers,
                timeout=self.timeout,
                # API answers never redirect; a media host may (requests then
                # drops the token when the host changes)
                allow_redirects=raw,
            )
        except requests.Timeout as exc:
            raise RetryableError(f"Meta did not answer in time: {exc}") from exc
        except requests.RequestException as exc:
            raise RetryableError(f"Meta could not be reached: {exc}") from exc
        if response.status_code >= 400:
            raise self._error_from_response(response)
        if raw:
            return response
        try:
            return response.json()
        except ValueError as exc:
            raise RetryableError(
                f"Meta answered with something that is not JSON "
                f"(HTTP {response.status_code})."
            ) from exc

    @staticmethod
    def _error_from_response(response):
        status = response.status_code
        try:
            error = (response.json() or {}).get("error") or {}
        except ValueError:
            error = {}
        code = error.get("code") if isinstance(error, dict) else None
        text = error_text(error) or f"HTTP {status} {response.reason or ''}".strip()
        details = (error.get("error_data") or {}) if isinstance(error, dict) else {}
        retryable = status == 429 or status >= 500 or code in RETRYABLE_META_CODES
        cls = RetryableError if retryable else PermanentError
        return cls(text, status=status, code=code, details=details.get("details"))

    # -- account -----------------------------------------------------------
    def get_phone_number(self):
        """Details of the configured phone number (proves token and id are right)."""
        return self._request(
            "GET",
            self._url(self.phone_number_id),
            params={"fields": "display_phone_number,verified_name,quality_rating"},
        )

    # -- sending -----------------------------------------------------------
    def _send(self, to, payload, reply_to=None):
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            **payload,
        }
        if reply_to:
            body["context"] = {"message_id": reply_to}
        data = self._request(
            "POST", self._url(f"{self.phone_number_id}/messages"), json=body
        )
        try:
            return data["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise PermanentError("Meta accepted the message but sent no id.") from exc

    def send_text(self, to, body, reply_to=None, preview_url=False):
        """Send free text (only allowed inside the 24-hour window); returns wamid."""
        return self._send(
            to,
            {"type": "text", "text": {"preview_url": preview_url, "body": body}},
            reply_to=reply_to,
        )

    def send_template(self, to, name, language, components=None):
        """Send an approved template; ``components`` as built by
        :func:`template.build_components`. Returns the wamid."""
        template = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = components
        return self._send(to, {"type": "template", "template": template})

    def send_media(
        self, to, kind, media_id, caption=None, filename=None, reply_to=None
    ):
        """Send an uploaded media (``kind``: image, video, audio, document)."""
        media = {"id": media_id}
        if caption and kind in ("image", "video", "document"):
            media["caption"] = caption
        if filename and kind == "document":
            media["filename"] = filename
        return self._send(to, {"type": kind, kind: media}, reply_to=reply_to)

    # -- templates ---------------------------------------------------------
    def list_templates(self, page_size=100):
        """All message templates of the business account, following Meta's paging."""
        url = self._url(f"{self.business_account_id}/message_templates")
        params = {"limit": page_size}
        templates = []
        while True:
            data = self._request("GET", url, params=params)
            templates.extend(data.get("data") or [])
            paging = data.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return templates
            params = {"limit": page_size, "after": after}

    # -- media -------------------------------------------------------------
    def upload_media(self, content, mime_type, filename):
        """Upload a file for sending; returns Meta's media id."""
        data = self._request(
            "POST",
            self._url(f"{self.phone_number_id}/media"),
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        if not data.get("id"):
            raise PermanentError("Meta accepted the file but sent no media id.")
        return data["id"]

    def get_media(self, media_id):
        """Metadata of an inbound media: ``url`` (short-lived), ``mime_type``..."""
        return self._request("GET", self._url(media_id))

    def download_media(self, media_id):
        """Return ``(content bytes, mime type)`` of an inbound media."""
        info = self.get_media(media_id)
        url = info.get("url")
        if not url or not isinstance(url, str):
            raise PermanentError(f"Meta sent no download address for media {media_id}.")
        if not self.may_receive_token(url):
            _logger.warning(
                "WhatsApp media %s: refused download from %s", media_id, url
            )
            raise PermanentError(
                f"The download address of media {media_id} is not on Meta's hosts; "
                "it was not followed."
            )
        response = self._request("GET", url, raw=True)
        mime = info.get("mime_type") or response.headers.get("Content-Type")
        return response.content, mime
