"""A fake click-to-call (originate) HTTP API on 127.0.0.1 for unitel_telephony.

Uni-tel publishes no click-to-call API, so the addon's HTTP API mode is
configurable; this fake speaks one plausible shape of it:

    POST /api/originate
    Authorization: Bearer <token>
    {"from": "<user's number or extension>", "to": "+4512345678"}

    200 {"success": true, "call": {"id": "call-1", "state": "ringing"}}
    401 {"success": false, "error": {"message": "Invalid token"}}
    422 {"success": false, "error": {"message": "Missing 'from' or 'to'"}}
    400 {"success": false, "error": {"message": "The token belongs in the
         Authorization header"}}   (the token in the query string or body)

Script failures with ``queue()``: ``Reply(500, ...)``, ``Reply(200, delay=3)``.
"""

import hmac
from urllib.parse import unquote_plus

from nordic_crm_fakes.base import FakeServer, Reply

ORIGINATE_PATH = "/api/originate"


class FakeOriginate(FakeServer):
    """Fake PBX click-to-call endpoint; ``token`` is the accepted bearer token."""

    def __init__(self, token="secret-token"):
        super().__init__()
        self.token = token
        self._next_id = 0

    @property
    def originate_url(self):
        return self.url + ORIGINATE_PATH

    def _token_outside_header(self, request):
        """True when the token shows up in the query string or the body,
        where proxies and access logs keep it."""
        places = [unquote_plus(request.path), *map(str, request.query.values())]
        body = request.body or b""
        places.append(unquote_plus(body.decode("utf-8", "replace")))
        return bool(self.token) and any(self.token in place for place in places)

    def handle(self, request):
        if request.path != ORIGINATE_PATH:
            return super().handle(request)
        if self._token_outside_header(request):
            return Reply(
                400,
                {
                    "success": False,
                    "error": {
                        "message": "The token belongs in the Authorization header"
                    },
                },
            )
        if request.method != "POST":
            return Reply(405, {"success": False, "error": {"message": "Use POST"}})
        given = request.headers.get("authorization") or ""
        if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            return Reply(401, {"success": False, "error": {"message": "Invalid token"}})
        try:
            body = request.json() or {}
        except ValueError:
            return Reply(
                400, {"success": False, "error": {"message": "Body is not JSON"}}
            )
        if not body.get("from") or not body.get("to"):
            return Reply(
                422, {"success": False, "error": {"message": "Missing 'from' or 'to'"}}
            )
        self._next_id += 1
        return Reply(
            200,
            {
                "success": True,
                "call": {"id": f"call-{self._next_id}", "state": "ringing"},
            },
        )
