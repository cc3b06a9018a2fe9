"""The one class of unitel_telephony that speaks HTTP: originate a call.

Uni-tel does not publish its click-to-call API, so nothing here is guessed:
the administrator configures URL, method, headers, a body template with
``{from}``/``{to}`` placeholders (``{token}`` in headers only) and where in
the JSON answer the PBX says yes or no.

The token travels in a header only: URLs and bodies end up in proxy, access
and PBX logs. Placeholders are replaced in one pass, so a value that itself
reads ``{token}`` stays as it is.

Success needs a 2xx status *and*, when a success path is configured, a truthy
(or the expected) value at that path.

Errors are raised as :class:`OriginateError` with a ``kind`` the Odoo side
turns into a translated sentence, and an English ``str()`` for logs. The token
never appears in a message.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

DEFAULT_TIMEOUT = 10  # seconds; a click must not hang the user's screen longer
MAX_DETAIL = 200  # characters of a server answer quoted back to the user
PLACEHOLDER = re.compile(r"\{(from|to|token)\}")

KINDS = {
    "not_configured": "Click-to-call through the HTTP API is not configured: {detail}",
    "connection": "The telephony server could not be reached: {detail}",
    "timeout": "The telephony server did not answer within {timeout} seconds.",
    "client_error": "The telephony server refused the call (HTTP {status}): {detail}",
    "server_error": "The telephony server failed (HTTP {status}): {detail}",
    "rejected": "The telephony server did not accept the call: {detail}",
    "bad_response": "The telephony server gave an answer that cannot be read: {detail}",
}


class OriginateError(Exception):
    """A call could not be started; ``kind`` is one of :data:`KINDS`."""

    def __init__(
        self, kind, detail="", status=None, timeout=None, reason=None, **params
    ):
        self.kind = kind
        self.detail = detail or ""
        self.status = status
        self.timeout = timeout
        # ``reason`` + ``params`` let the caller word our own details in the
        # user's language; details quoted from the server have no reason.
        self.reason = reason
        self.params = params
        super().__init__(
            KINDS[kind].format(
                detail=self.detail or "no details", status=status, timeout=timeout
            )
        )


@dataclass
class OriginateResult:
    """What the PBX answered to a successful originate request."""

    status: int
    payload: object = None
    request: dict = field(default_factory=dict)


def parse_headers(text):
    """Read headers typed as a JSON object or as ``Name: value`` lines."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise OriginateError(
                "not_configured",
                f"the headers are not valid JSON ({exc})",
                reason="headers_not_json",
            ) from exc
        if not isinstance(data, dict):
            raise OriginateError(
                "not_configured",
                "the headers must be a JSON object",
                reason="headers_not_json",
            )
        return {str(k): str(v) for k, v in data.items()}
    headers = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise OriginateError(
                "not_configured",
                f"header line {line!r} has no 'Name: value' form",
                reason="header_line",
                line=line,
            )
        headers[name.strip()] = value.strip()
    return headers


def json_path(data, path):
    """Return the value at dotted ``path`` (``result.calls.0.id``) or raise KeyError."""
    current = data
    for part in [p for p in (path or "").split(".") if p]:
        if isinstance(current, list):
            try:
                current = current[int(part)]
            except (ValueError, IndexError) as exc:
                raise KeyError(path) from exc
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise KeyError(path)
    return current


def _matches(value, expected):
    if not expected:
        if isinstance(value, str):
            return value.strip().lower() not in (
                "",
                "false",
                "0",
                "no",
                "error",
                "failed",
            )
        return bool(value)
    if isinstance(value, bool):
        return str(value).lower() == expected.strip().lower()
    return str(value).strip().lower() == expected.strip().lower()


class OriginateClient:
    """Ask the PBX to ring ``from`` (the user's phone) and connect it to ``to``."""

    def __init__(
        self,
        url,
        method="POST",
        headers="",
        token="",
        body_template="",
        success_path="",
        success_value="",
        error_path="",
        timeout=DEFAULT_TIMEOUT,
        session=None,
    ):
        self.url = (url or "").strip()
        self.method = (method or "POST").upper()
        self.headers_text = (
            headers if isinstance(headers, str) else json.dumps(headers or {})
        )
        self.token = token or ""
        self.body_template = body_template or ""
        self.success_path = (success_path or "").strip()
        self.success_value = (success_value or "").strip()
        self.error_path = (error_path or "").strip()
        self.timeout = float(timeout or DEFAULT_TIMEOUT)
        self.session = session or requests

    # -- request ---------------------------------------------------------
    @staticmethod
    def _substitute(template, values, escape):
        # one pass: what a value brings in is never read as a placeholder
        return PLACEHOLDER.sub(
            lambda match: escape(values.get(match.group(1), "")), template
        )

    def _check_token_placement(self):
        """Refuse a configuration that would put the token in the URL or body."""
        # a token typed in literally is found too (short ones would match by chance)
        literal = self.token if len(self.token) >= 8 else None
        for where, text in (("URL", self.url), ("body", self.body_template)):
            if "{token}" in text or (literal and literal in text):
                raise OriginateError(
                    "not_configured",
                    f"the token may only be sent in a header, not in the {where}",
                    reason="token_outside_header",
                    where=where,
                )

    def build_request(self, from_number, to_number):
        """Return the request as a dict (method, url, headers, body); no I/O."""
        if not self.url:
            raise OriginateError(
                "not_configured", "the API URL is empty", reason="no_url"
            )
        if not self.url.lower().startswith(("http://", "https://")):
            raise OriginateError(
                "not_configured",
                "the API URL must start with http:// or https://",
                reason="bad_url",
            )
        if not from_number:
            raise OriginateError(
                "not_configured",
                "your own number or extension is not set in your preferences",
                reason="no_own_number",
            )
        if not to_number:
            raise OriginateError(
                "not_configured", "there is no number to call", reason="no_number"
            )
        self._check_token_placement()
        # no token among the values of the URL and the body
        values = {"from": str(from_number), "to": str(to_number)}
        url = self._substitute(self.url, values, lambda v: quote(v, safe=""))
        header_values = dict(values, token=self.token)
        headers = {
            name: self._substitute(value, header_values, str)
            for name, value in parse_headers(self.headers_text).items()
        }
        body = None
        if self.method != "GET" and self.body_template.strip():
            template = self.body_template.strip()
            is_json = template.startswith(("{", "["))
            body = self._substitute(
                template,
                values,
                (lambda v: json.dumps(v)[1:-1])
                if is_json
                else (lambda v: quote(v, safe="")),
            )
            if is_json:
                try:
                    json.loads(body)
                except ValueError as exc:
                    raise OriginateError(
                        "not_configured",
                        f"the body template is not valid JSON ({exc})",
                        reason="body_not_json",
                    ) from exc
                headers.setdefault("Content-Type", "application/json")
            else:
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return {"method": self.method, "url": url, "headers": headers, "body": body}

    # -- answer ----------------------------------------------------------
    def _error_detail(self, response, payload):
        if payload is not None and self.error_path:
            try:
                value = json_path(payload, self.error_path)
            except KeyError:
                value = None
            if value not in (None, "", [], {}):
                return str(value)[:MAX_DETAIL]
        if isinstance(payload, dict):
            for key in ("message", "error_description", "error", "detail"):
                value = payload.get(key)
                if isinstance(value, dict):
                    value = value.get("message")
                if isinstance(value, str) and value:
                    return value[:MAX_DETAIL]
        text = (response.text or "").strip()
        if text and not text.lstrip().startswith("<"):
            return text[:MAX_DETAIL]
        return response.reason or ""

    def originate(self, from_number, to_number):
        """Start the call; return :class:`OriginateResult` or raise OriginateError."""
        request = self.build_request(from_number, to_number)
        try:
            response = self.session.request(
                request["method"],
                request["url"],
                headers=request["headers"],
                data=request["body"].encode() if request["body"] is not None else None,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise OriginateError(
                "timeout",
                timeout=int(self.timeout)
                if self.timeout.is_integer()
                else self.timeout,
            ) from exc
        except requests.ConnectionError as exc:
            host = request["url"].split("//", 1)[-1].split("/", 1)[0]
            reason, detail = _connection_detail(exc, host)
            raise OriginateError(
                "connection", detail, reason=reason, host=host
            ) from exc
        except requests.RequestException as exc:
            raise OriginateError("connection", type(exc).__name__) from exc
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = None
        status = response.status_code
        if 400 <= status < 500:
            raise OriginateError(
                "client_error", self._error_detail(response, payload), status=status
            )
        if status >= 500 or status < 200 or status >= 300:
            raise OriginateError(
                "server_error", self._error_detail(response, payload), status=status
            )
        if self.success_path:
            if payload is None:
                raise OriginateError(
                    "bad_response",
                    "the answer is not JSON",
                    status=status,
                    reason="not_json",
                )
            try:
                value = json_path(payload, self.success_path)
            except KeyError as exc:
                raise OriginateError(
                    "bad_response",
                    f"'{self.success_path}' is missing in the answer",
                    status=status,
                    reason="missing_path",
                    path=self.success_path,
                ) from exc
            if not _matches(value, self.success_value):
                if self.error_path:
                    raise OriginateError(
                        "rejected", self._error_detail(response, payload), status=status
                    )
                raise OriginateError(
                    "rejected",
                    f"'{self.success_path}' is {value!r}",
                    status=status,
                    reason="unexpected_value",
                    path=self.success_path,
                    value=repr(value),
                )
        safe_request = dict(
            request,
            headers={
                k: ("***" if self.token and self.token in v else v)
                for k, v in request["headers"].items()
            },
        )
        return OriginateResult(status=status, payload=payload, request=safe_request)


def _connection_detail(exc, host):
    """Return ``(reason, English detail)`` for a failed connection."""
    text = str(exc)
    if "Connection refused" in text:
        return "refused", f"{host} refused the connection"
    if (
        "Name or service not known" in text
        or "getaddrinfo" in text
        or "NameResolution" in text
    ):
        return "unknown_host", f"the name {host} could not be found"
    return "unreachable", f"{host} did not accept the connection"
