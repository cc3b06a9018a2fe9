"""Fake SendGrid v3 Web API (suppression lists) on 127.0.0.1.

Routes (shapes from SendGrid's v3 reference):
- ``GET /v3/suppression/bounces`` -> ``[{"created", "email", "reason", "status"}]``
- ``GET /v3/suppression/spam_reports`` -> ``[{"created", "email", "ip"}]``
- ``GET /v3/suppression/unsubscribes`` -> ``[{"created", "email"}]`` (global)
  all three paged with ``limit`` (1..500) / ``offset`` and filtered with
  ``start_time`` / ``end_time`` (Unix seconds, both inclusive)
- ``GET /v3/asm/suppressions`` -> ``[{"email", "group_id", "group_name",
  "created_at"}]`` (whole, as SendGrid answers it)
- ``GET /v3/asm/groups/{id}/suppressions`` -> ``["a@example.com", ...]``

Every route wants ``Authorization: Bearer <api_key>`` (else 401) and a key
with the ``suppression.read`` scope (else 403), with SendGrid's error body
``{"errors": [{"field": null, "message": ...}]}``. Script outages with
:meth:`queue`::

    fake.queue("GET", "/v3/suppression/bounces", Reply(503, "upstream down"))
"""

import re

from nordic_crm_fakes.base import FakeServer, Reply

API_KEY = "SG.fake-sendgrid-key"
MAX_LIMIT = 500
LISTS = ("bounces", "spam_reports", "unsubscribes")
_GROUP_PATH = re.compile(r"^/v3/asm/groups/(\d{1,10})/suppressions$")
_INT = re.compile(r"^[0-9]{1,12}$")


def sendgrid_error(message, field=None):
    return {"errors": [{"field": field, "message": message}]}


class FakeSendGrid(FakeServer):
    def __init__(self, api_key=API_KEY, scopes=("suppression.read",)):
        super().__init__()
        self.api_key = api_key
        self.scopes = set(scopes)
        self.lists = {name: [] for name in LISTS}
        self.groups = {}  # id -> name
        self.group_suppressions = []  # dicts as /v3/asm/suppressions answers

    # -- scripting -------------------------------------------------------
    def add_bounce(self, email, created, reason=None, status="5.1.1"):
        self.lists["bounces"].append(
            {
                "created": int(created),
                "email": email,
                "reason": reason
                or f"550 5.1.1 The email account that you tried to reach does "
                f"not exist: {email}",
                "status": status,
            }
        )

    def add_spam_report(self, email, created, ip="10.63.202.100"):
        self.lists["spam_reports"].append(
            {"created": int(created), "email": email, "ip": ip}
        )

    def add_unsubscribe(self, email, created):
        self.lists["unsubscribes"].append({"created": int(created), "email": email})

    def add_group_suppression(self, group_id, email, created, group_name=None):
        self.groups.setdefault(int(group_id), group_name or f"Group {group_id}")
        self.group_suppressions.append(
            {
                "email": email,
                "group_id": int(group_id),
                "group_name": self.groups[int(group_id)],
                "created_at": int(created),
            }
        )

    # -- routes ----------------------------------------------------------
    def _auth(self, request):
        header = request.headers.get("authorization", "")
        if header != f"Bearer {self.api_key}":
            return Reply(401, sendgrid_error("authorization required"))
        if "suppression.read" not in self.scopes:
            return Reply(403, sendgrid_error("access forbidden"))
        return None

    def handle(self, request):
        refused = self._auth(request)
        if refused:
            return refused
        if request.method != "GET":
            return Reply(405, sendgrid_error("method not allowed"))
        for name in LISTS:
            if request.path == f"/v3/suppression/{name}":
                return self._list(self.lists[name], request.query)
        if request.path == "/v3/asm/suppressions":
            return Reply(200, list(self.group_suppressions))
        match = _GROUP_PATH.match(request.path)
        if match:
            group_id = int(match.group(1))
            if group_id not in self.groups:
                return Reply(404, sendgrid_error("Group not found"))
            return Reply(
                200,
                [
                    s["email"]
                    for s in self.group_suppressions
                    if s["group_id"] == group_id
                ],
            )
        return Reply(404, sendgrid_error("resource not found"))

    def _list(self, entries, query):
        values = {}
        for name, default in (
            ("start_time", None),
            ("end_time", None),
            ("limit", MAX_LIMIT),
            ("offset", 0),
        ):
            raw = query.get(name)
            if raw is None:
                values[name] = default
            elif not _INT.match(raw):
                return Reply(400, sendgrid_error(f"{name} must be an integer", name))
            else:
                values[name] = int(raw)
        if not 1 <= values["limit"] <= MAX_LIMIT:
            return Reply(400, sendgrid_error("limit must be 1..500", "limit"))
        selected = [
            e
            for e in entries
            if (values["start_time"] is None or e["created"] >= values["start_time"])
            and (values["end_time"] is None or e["created"] <= values["end_time"])
        ]
        selected.sort(key=lambda e: (-e["created"], e["email"]))  # newest first
        offset = values["offset"]
        return Reply(200, selected[offset : offset + values["limit"]])
