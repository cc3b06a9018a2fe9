"""The only code of sendgrid_delivery that speaks HTTP: SendGrid's v3 Web API.

Used by the reconciliation to read the suppression lists (bounces, spam
reports, global unsubscribes, unsubscribe-group suppressions) with the API key
(``Authorization: Bearer``). Every failure raises :class:`SendGridError`; its
``message`` is fit to show an administrator and never holds the key.
"""

import logging
from urllib.parse import urlsplit

import requests

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.sendgrid.com"  # EU subusers: api.eu.sendgrid.com
DEFAULT_TIMEOUT = 30
PAGE_SIZE = 500  # SendGrid's maximum ``limit`` on the suppression lists
MAX_PAGES = 2000  # one million entries: a run that needs more is refused
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# suppression list -> path (GET, paged with limit/offset, start_time/end_time)
SUPPRESSION_PATHS = {
    "bounces": "/v3/suppression/bounces",
    "spam_reports": "/v3/suppression/spam_reports",
    "unsubscribes": "/v3/suppression/unsubscribes",
}
ASM_SUPPRESSIONS_PATH = "/v3/asm/suppressions"


class SendGridError(Exception):
    """A call to SendGrid failed; the reconciliation retries on its next run."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return self.message


class AuthError(SendGridError):
    """SendGrid refused the API key (401) or its permissions (403)."""


def base_url_problem(url):
    """Why ``url`` cannot carry the API key (English text), or None.

    https only (plain http on this machine, for fakes and proxies); no user
    name, query or fragment.
    """
    if not isinstance(url, str) or any(ord(c) < 33 or ord(c) > 126 for c in url):
        return "not an http(s) address"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        return "not an http(s) address"
    if port == 0:
        return "not an http(s) address"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) address"
    if "@" in parts.netloc or parts.query or parts.fragment:
        return "user name, query and fragment are not allowed"
    if parts.scheme != "https" and parts.hostname.lower() not in LOOPBACK_HOSTS:
        return "only https:// is allowed"
    return None


def _error_text(response):
    """SendGrid's ``{"errors": [{"field": ..., "message": ...}]}``, shortened."""
    try:
        body = response.json()
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ""
    messages = [
        str(e.get("message"))[:200]
        for e in errors
        if isinstance(e, dict) and e.get("message")
    ]
    return "; ".join(messages[:3])


class SendGridClient:
    """Read SendGrid's suppression lists with an API key."""

    def __init__(
        self,
        api_key,
        base_url=DEFAULT_BASE_URL,
        timeout=DEFAULT_TIMEOUT,
        page_size=PAGE_SIZE,
        session=None,
    ):
        if not api_key or not isinstance(api_key, str) or not api_key.strip():
            raise AuthError("no SendGrid API key is configured")
        problem = base_url_problem(base_url)
        if problem:
            raise SendGridError(f"the SendGrid API address is unusable: {problem}")
        self.api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.page_size = int(page_size)
        self.session = session or requests.Session()

    def _get(self, path, params=None):
        try:
            response = self.session.get(
                self.base_url + path,
                params=params,
                headers={
                    "Authorization": f"Bearer {self.api_key}",
                    "Accept": "application/json",
                },
                timeout=self.timeout,
                allow_redirects=False,  # a redirect must not carry the key away
            )
        except requests.Timeout as exc:
            raise SendGridError(f"SendGrid did not answer {path} in time") from exc
        except requests.RequestException as exc:
            raise SendGridError(f"SendGrid could not be reached ({path})") from exc
        status = response.status_code
        if status in (401, 403):
            detail = _error_text(response) or "authorization required"
            raise AuthError(
                f"SendGrid refused the API key ({status}: {detail}); it needs "
                "read access to Suppressions",
                status=status,
            )
        if status != 200:
            detail = _error_text(response)
            raise SendGridError(
                f"SendGrid answered {status} to {path}"
                + (f": {detail}" if detail else ""),
                status=status,
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise SendGridError(f"SendGrid's answer to {path} is not JSON") from exc
        if not isinstance(body, list):
            raise SendGridError(f"SendGrid's answer to {path} is not a list")
        return body

    def suppressions(self, kind, start_time, end_time):
        """Every entry of one suppression list created in [start, end] (Unix s).

        Reads page after page (``limit``/``offset``) until a page is short.
        """
        path = SUPPRESSION_PATHS[kind]
        entries = []
        for page in range(MAX_PAGES):
            batch = self._get(
                path,
                {
                    "start_time": int(start_time),
                    "end_time": int(end_time),
                    "limit": self.page_size,
                    "offset": page * self.page_size,
                },
            )
            entries.extend(batch)
            if len(batch) < self.page_size:
                return entries
        raise SendGridError(f"{path} has more than {MAX_PAGES} pages")

    def group_suppressions(self):
        """Every unsubscribe-group suppression (``/v3/asm/suppressions``).

        SendGrid answers this list whole, without paging or time filter; each
        entry has ``email``, ``group_id``, ``group_name`` and ``created_at``.
        """
        return self._get(ASM_SUPPRESSIONS_PATH)
