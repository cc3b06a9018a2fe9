"""Fake Microsoft Graph v1.0 + Entra token endpoint on 127.0.0.1.

Speaks the documented JSON of the calls the Exchange sync makes:

* ``POST /{tenant}/oauth2/v2.0/token`` (client credentials)
* ``GET /v1.0/users/{u}/calendar``, ``/calendarView`` and ``/calendarView/delta``
  with ``Prefer: odata.maxpagesize``, ``@odata.nextLink`` ($skiptoken) and
  ``@odata.deltaLink`` ($deltatoken), ``@removed`` entries and HTTP 410 for
  expired delta tokens
* ``POST /v1.0/users/{u}/calendar/events`` (honours ``transactionId``),
  ``PATCH``/``DELETE /v1.0/users/{u}/events/{id}``; meetings are copied to the
  attendees' mailboxes with the same ``iCalUId`` as Exchange does
* Microsoft To Do: ``/todo/lists``, ``/todo/lists/{l}/tasks`` (+ ``/delta``,
  ``/{id}``); a task's open extensions and linked resources are relationships:
  stored when POSTed inline, returned only by ``GET /tasks/{id}?$expand=...``

Tests drive the "Outlook side" with :meth:`FakeGraph.add_event` and friends,
and script failures with :meth:`queue` (429 + Retry-After, 5xx) or
:attr:`fail_when` (a callable returning a :class:`Reply` for chosen requests).
"""

import itertools
import re
import secrets
import uuid
from datetime import datetime, timedelta, timezone

from nordic_crm_fakes.base import FakeServer, Reply

PAGE_SIZE = 100
WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]
# todoTask relationships: never in lists or deltas, only with $expand on one task
NAVIGATION_PROPERTIES = {
    "extensions",
    "linkedResources",
    "checklistItems",
    "attachments",
}


def _now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse(value):
    value = value.replace("Z", "")
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)
    return datetime.fromisoformat(value)


def _to_utc(local, zone_name):
    """Naive local time in an IANA zone (UTC if unknown) → naive UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return local.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def _error(status, code, message):
    return Reply(status, {"error": {"code": code, "message": message}})


class FakeGraph(FakeServer):
    tenant = "11111111-1111-1111-1111-111111111111"
    client_id = "22222222-2222-2222-2222-222222222222"
    client_secret = "fake-secret"

    def __init__(self):
        super().__init__()
        self.mailboxes = {}
        self.tokens = set()
        self.token_lifetime = 3600
        self.seq = 0
        self._ids = itertools.count(1)
        self.cursors = {}  # $skiptoken / $deltatoken → paging state
        self.fail_when = None  # callable(request) -> Reply | None

    # -- Outlook side helpers (used by tests) ------------------------------
    def add_mailbox(self, email, calendar_name="Calendar", tasks_name="Tasks"):
        email = email.lower()
        list_id = f"list-{next(self._ids)}"
        self.mailboxes[email] = {
            "calendar_name": calendar_name,
            "events": {},
            "log": [],  # (seq, event id)
            "lists": {
                list_id: {
                    "id": list_id,
                    "displayName": tasks_name,
                    "wellknownListName": "defaultList",
                    "isOwner": True,
                    "tasks": {},
                    "log": [],
                }
            },
            "transactions": {},
        }
        return self.mailboxes[email]

    def _touch(self, log, item_id, when=None):
        self.seq += 1
        log.append((self.seq, item_id))
        return when or _now()

    def _new_event(self, mailbox, data, ical_uid=None, when=None):
        box = self.mailboxes[mailbox]
        event_id = f"AAMk-{mailbox.split('@')[0]}-{next(self._ids)}"
        when = self._touch(box["log"], event_id, when)
        event = {
            "id": event_id,
            "iCalUId": ical_uid
            or f"040000008200E00074C5B7101A82E008{uuid.uuid4().hex}",
            "changeKey": secrets.token_hex(6),
            "createdDateTime": _iso(when),
            "lastModifiedDateTime": _iso(when),
            "subject": "",
            "body": {"contentType": "html", "content": ""},
            "isAllDay": False,
            "isCancelled": False,
            "location": {"displayName": ""},
            "attendees": [],
            "organizer": {"emailAddress": {"address": mailbox, "name": mailbox}},
            "sensitivity": "normal",
            "showAs": "busy",
            "type": "singleInstance",
        }
        event.update(data)
        box["events"][event_id] = event
        return event

    def add_event(self, mailbox, subject, start, end, when=None, **extra):
        """An event created in Outlook. ``start``/``end`` naive UTC datetimes."""
        data = {
            "subject": subject,
            "start": {"dateTime": start.isoformat() + ".0000000", "timeZone": "UTC"},
            "end": {"dateTime": end.isoformat() + ".0000000", "timeZone": "UTC"},
        }
        data.update(extra)
        return self._new_event(mailbox.lower(), data, when=when)

    def add_series(self, mailbox, subject, start, end, recurrence, **extra):
        """A recurring series created in Outlook: its ``seriesMaster``, with the
        Graph ``recurrence`` (patternedRecurrence: ``pattern`` + ``range``)."""
        return self.add_event(
            mailbox,
            subject,
            start,
            end,
            type="seriesMaster",
            recurrence=recurrence,
            **extra,
        )

    def occurrences(self, mailbox, master_id, start=None, end=None):
        """The series' instances (occurrences and exceptions) in [start, end)."""
        master = self.mailboxes[mailbox.lower()]["events"][master_id]
        return [
            occurrence
            for occurrence in self._expand(master, start, end)
            if self._in_window(occurrence, start, end)
        ]

    def move_occurrence(self, mailbox, occurrence_id, start, end):
        """One occurrence moved in Outlook: it becomes an ``exception``."""
        master_id, day = occurrence_id.rsplit("_OID_", 1)
        box = self.mailboxes[mailbox.lower()]
        master = box["events"][master_id]
        master.setdefault("_exceptions", {})[day] = {
            "start": {"dateTime": start.isoformat() + ".0000000", "timeZone": "UTC"},
            "end": {"dateTime": end.isoformat() + ".0000000", "timeZone": "UTC"},
            "lastModifiedDateTime": _iso(self._touch(box["log"], occurrence_id)),
            "changeKey": secrets.token_hex(6),
        }

    def cancel_occurrence(self, mailbox, occurrence_id):
        """One occurrence deleted in Outlook (the series goes on)."""
        master_id, day = occurrence_id.rsplit("_OID_", 1)
        box = self.mailboxes[mailbox.lower()]
        box["events"][master_id].setdefault("_cancelled", []).append(day)
        self._touch(box["log"], occurrence_id)

    def update_event(self, mailbox, event_id, when=None, **changes):
        box = self.mailboxes[mailbox.lower()]
        event = box["events"][event_id]
        if event.get("type") == "seriesMaster" and "recurrence" in changes:
            # a new pattern: Graph drops the exceptions and reports the old
            # instances the new pattern no longer has as removed
            for occurrence in self._expand(event):
                self._touch(box["log"], occurrence["id"])
            event.pop("_exceptions", None)
            event.pop("_cancelled", None)
        event.update(changes)
        when = self._touch(box["log"], event_id, when)
        event["lastModifiedDateTime"] = _iso(when)
        event["changeKey"] = secrets.token_hex(6)
        return event

    def delete_event(self, mailbox, event_id):
        box = self.mailboxes[mailbox.lower()]
        event = box["events"].pop(event_id, None)
        self._touch(box["log"], event_id)
        if event and event.get("type") == "seriesMaster":
            # a deleted series: each instance leaves the calendar view
            for occurrence in self._expand(event):
                self._touch(box["log"], occurrence["id"])

    def events(self, mailbox):
        return list(self.mailboxes[mailbox.lower()]["events"].values())

    def default_list(self, mailbox):
        return next(iter(self.mailboxes[mailbox.lower()]["lists"].values()))

    def add_task(
        self, mailbox, title, due=None, status="notStarted", when=None, **extra
    ):
        todo_list = self.default_list(mailbox)
        task_id = f"AAkALg-{next(self._ids)}"
        when = self._touch(todo_list["log"], task_id, when)
        task = {
            "@odata.etag": f'W/"{secrets.token_hex(6)}"',
            "id": task_id,
            "title": title,
            "status": status,
            "importance": "normal",
            "body": {"contentType": "text", "content": ""},
            "createdDateTime": _iso(when),
            "lastModifiedDateTime": _iso(when),
        }
        if due:
            task["dueDateTime"] = {
                "dateTime": due.isoformat() + "T00:00:00.0000000",
                "timeZone": "UTC",
            }
        task.update(extra)
        todo_list["tasks"][task_id] = task
        return task

    def update_task(self, mailbox, task_id, when=None, **changes):
        todo_list = self.default_list(mailbox)
        task = todo_list["tasks"][task_id]
        task.update(changes)
        when = self._touch(todo_list["log"], task_id, when)
        task["lastModifiedDateTime"] = _iso(when)
        task["@odata.etag"] = f'W/"{secrets.token_hex(6)}"'
        return task

    def delete_task(self, mailbox, task_id):
        todo_list = self.default_list(mailbox)
        todo_list["tasks"].pop(task_id, None)
        self._touch(todo_list["log"], task_id)

    def tasks(self, mailbox):
        return list(self.default_list(mailbox)["tasks"].values())

    def expire_delta_tokens(self):
        """Every stored delta/skip token now answers HTTP 410."""
        for cursor in self.cursors.values():
            cursor["expired"] = True

    # -- HTTP --------------------------------------------------------------
    def handle(self, request):
        if self.fail_when:
            reply = self.fail_when(request)
            if reply is not None:
                return reply
        if request.method == "POST" and request.path.endswith("/oauth2/v2.0/token"):
            return self._token(request)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _error(
                401, "InvalidAuthenticationToken", "Access token is empty or invalid."
            )
        match = re.match(r"^/v1\.0/users/([^/]+)(/.*)?$", request.path)
        if not match:
            return _error(404, "ResourceNotFound", "Resource not found")
        mailbox = match.group(1).lower()
        rest = match.group(2) or ""
        if mailbox not in self.mailboxes:
            return _error(
                404, "ErrorInvalidUser", f"The requested user '{mailbox}' is invalid."
            )
        return self._route(request, mailbox, rest)

    def _token(self, request):
        from urllib.parse import parse_qs

        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        tenant = request.path.split("/")[1]
        if (
            tenant != self.tenant
            or form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return Reply(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret "
                    "provided.",
                },
            )
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return Reply(
            200,
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "access_token": token,
            },
        )

    def _page_size(self, request):
        match = re.search(
            r"odata\.maxpagesize=(\d+)", request.headers.get("prefer", "")
        )
        return int(match.group(1)) if match else PAGE_SIZE

    def _route(self, request, mailbox, rest):
        box = self.mailboxes[mailbox]
        method = request.method
        if rest == "/calendar" and method == "GET":
            return Reply(200, {"id": f"cal-{mailbox}", "name": box["calendar_name"]})
        if rest == "/calendarView/delta" and method == "GET":
            return self._delta(request, mailbox, "events")
        if rest == "/calendarView" and method == "GET":
            return self._calendar_view(request, mailbox)
        if rest == "/calendar/events" and method == "POST":
            return self._create_event(request, mailbox)
        match = re.match(r"^/events/([^/]+)$", rest)
        if match:
            event_id = match.group(1)
            instance = self._instance(mailbox, event_id)
            if instance is not None:
                return self._route_instance(request, mailbox, instance)
            if event_id not in box["events"]:
                return _error(
                    404, "ErrorItemNotFound", "The specified object was not found."
                )
            if method == "GET":
                return Reply(200, box["events"][event_id])
            if method == "PATCH":
                return self._patch_event(request, mailbox, event_id)
            if method == "DELETE":
                self.delete_event(mailbox, event_id)
                return Reply(204)
        if rest.startswith("/todo/"):
            return self._route_todo(request, mailbox, rest)
        return _error(400, "BadRequest", f"Unsupported {method} {rest}")

    def _route_instance(self, request, mailbox, instance):
        """An occurrence: read, changed (it becomes an exception) or cancelled."""
        if request.method == "GET":
            return Reply(200, instance)
        if request.method == "DELETE":
            self.cancel_occurrence(mailbox, instance["id"])
            return Reply(204)
        if request.method == "PATCH":
            data = request.json()
            if "recurrence" in data:
                return _error(
                    400,
                    "ErrorInvalidRequest",
                    "An occurrence cannot have its own recurrence.",
                )
            master_id, day = instance["id"].rsplit("_OID_", 1)
            box = self.mailboxes[mailbox]
            changes = box["events"][master_id].setdefault("_exceptions", {})
            changes.setdefault(day, {}).update(
                data,
                lastModifiedDateTime=_iso(self._touch(box["log"], instance["id"])),
                changeKey=secrets.token_hex(6),
            )
            return Reply(200, self._instance(mailbox, instance["id"]))
        return _error(400, "BadRequest", f"Unsupported {request.method}")

    def _route_todo(self, request, mailbox, rest):
        box = self.mailboxes[mailbox]
        method = request.method
        if rest == "/todo/lists" and method == "GET":
            lists = [
                {k: v for k, v in lst.items() if k not in ("tasks", "log")}
                for lst in box["lists"].values()
            ]
            return Reply(200, {"value": lists})
        match = re.match(r"^/todo/lists/([^/]+)/tasks(/delta|/[^/]+)?$", rest)
        if match:
            list_id, tail = match.group(1), match.group(2)
            if list_id not in box["lists"]:
                return _error(404, "ErrorItemNotFound", "The list was not found.")
            todo_list = box["lists"][list_id]
            if tail == "/delta" and method == "GET":
                return self._delta(request, mailbox, "tasks", list_id=list_id)
            if tail is None and method == "GET":
                return Reply(
                    200,
                    {
                        "value": [
                            self._task_view(task, request)
                            for task in todo_list["tasks"].values()
                        ]
                    },
                )
            if tail is None and method == "POST":
                data = request.json()
                problem = self._check_extensions(data.get("extensions"))
                if problem:
                    return _error(400, "invalidRequest", problem)
                due = data.pop("dueDateTime", None)
                task = self.add_task(mailbox, data.pop("title", ""), **data)
                if due:
                    task["dueDateTime"] = due
                return Reply(201, self._task_view(task))
            task_id = (tail or "/")[1:]
            if task_id not in todo_list["tasks"]:
                return _error(404, "ErrorItemNotFound", "The task was not found.")
            if method == "GET":
                return Reply(200, self._task_view(todo_list["tasks"][task_id], request))
            if method == "PATCH":
                data = request.json()
                if set(data) & NAVIGATION_PROPERTIES:
                    return _error(
                        400,
                        "invalidRequest",
                        "Navigation properties cannot be changed with PATCH.",
                    )
                task = self.update_task(mailbox, task_id, **data)
                return Reply(200, self._task_view(task))
            if method == "DELETE":
                self.delete_task(mailbox, task_id)
                return Reply(204)
        return _error(400, "BadRequest", f"Unsupported {method} {rest}")

    @staticmethod
    def _task_view(task, request=None):
        """A todoTask as Graph returns it: its relationships (open extensions,
        linked resources) only when asked for with ``$expand``."""
        expand = (request.query.get("$expand", "") if request else "").split(",")
        wanted = {name.split("(")[0].strip() for name in expand}
        return {
            key: value
            for key, value in task.items()
            if key not in NAVIGATION_PROPERTIES or key in wanted
        }

    @staticmethod
    def _check_extensions(extensions):
        for extension in extensions or []:
            if extension.get("@odata.type") != "microsoft.graph.openTypeExtension":
                return "An open extension needs @odata.type openTypeExtension."
            name = extension.get("extensionName") or ""
            if not name or name.lower().startswith(
                ("com.microsoft", "com.onmicrosoft")
            ):
                return "An open extension needs its own extensionName."
            extension.setdefault("id", name)
        return None

    # -- events ------------------------------------------------------------
    @staticmethod
    def _in_window(event, start, end):
        if start is None:
            return True
        ev_start = _parse(event["start"]["dateTime"])
        ev_end = _parse(event["end"]["dateTime"])
        return ev_start < end and ev_end > start

    def _create_event(self, request, mailbox):
        box = self.mailboxes[mailbox]
        data = request.json()
        transaction = data.get("transactionId")
        if transaction and transaction in box["transactions"]:
            existing = box["events"].get(box["transactions"][transaction])
            if existing:
                return Reply(201, existing)
        data.setdefault("organizer", {"emailAddress": {"address": mailbox}})
        if "recurrence" in data:
            problem = self._check_recurrence(data["recurrence"])
            if problem:
                return _error(400, "ErrorInvalidRequest", problem)
            data["type"] = "seriesMaster"  # Graph makes the series' master
        event = self._new_event(mailbox, data)
        if transaction:
            box["transactions"][transaction] = event["id"]
        # Exchange delivers the meeting to the attendees' calendars
        for attendee in data.get("attendees") or []:
            address = (attendee.get("emailAddress") or {}).get("address", "").lower()
            if address in self.mailboxes and address != mailbox:
                copy = {k: v for k, v in data.items() if k != "transactionId"}
                self._new_event(address, copy, ical_uid=event["iCalUId"])
        return Reply(201, event)

    @staticmethod
    def _check_recurrence(recurrence):
        """Refuse what Graph refuses in a patternedRecurrence."""
        pattern = (recurrence or {}).get("pattern") or {}
        rule_range = (recurrence or {}).get("range") or {}
        if pattern.get("type") not in ("daily", "weekly", "absoluteMonthly"):
            return f"Recurrence pattern type {pattern.get('type')!r} is not faked."
        if pattern["type"] == "weekly" and not pattern.get("daysOfWeek"):
            return "A weekly pattern needs daysOfWeek."
        if not rule_range.get("startDate"):
            return "The recurrence range needs a startDate."
        if rule_range.get("type") not in ("endDate", "noEnd", "numbered"):
            return "Unknown recurrence range type."
        if rule_range["type"] == "numbered" and not rule_range.get(
            "numberOfOccurrences"
        ):
            return "A numbered range needs numberOfOccurrences."
        if rule_range["type"] == "endDate" and not rule_range.get("endDate"):
            return "An endDate range needs its endDate."
        return None

    def _patch_event(self, request, mailbox, event_id):
        event = self.update_event(mailbox, event_id, **request.json())
        return Reply(200, event)

    @staticmethod
    def _asks_other_range(request, cursor):
        start, end = cursor["window"]
        asked = (request.query.get("startDateTime"), request.query.get("endDateTime"))
        if asked == (None, None):
            return False
        try:
            return (_parse(asked[0]), _parse(asked[1])) != (start, end)
        except (TypeError, ValueError):
            return True

    def delta_ranges(self, mailbox):
        """(start, end) of each calendarView delta round started for ``mailbox``."""
        return [
            (_parse(r.query["startDateTime"]), _parse(r.query["endDateTime"]))
            for r in self.requests
            if r.path.endswith(f"/users/{mailbox.lower()}/calendarView/delta")
            and "startDateTime" in r.query
            and "$deltatoken" not in r.query
            and "$skiptoken" not in r.query
        ]

    # -- recurring series ----------------------------------------------------
    def _with_instances(self, mailbox, changed, window):
        """Changed ids of a delta round, a changed series master replaced by
        its instances in the round's range (as Graph reports them)."""
        events, result = self.mailboxes[mailbox]["events"], []
        for item_id in changed:
            event = events.get(item_id)
            if event and event.get("type") == "seriesMaster":
                result += [o["id"] for o in self._expand(event, *window)]
            else:
                result.append(item_id)
        return sorted(set(result))

    @staticmethod
    def _series_days(recurrence, first_day, until):
        """The days of a patternedRecurrence (daily, weekly, absoluteMonthly),
        from its range's start, up to ``until``."""
        pattern, rule_range = recurrence["pattern"], recurrence["range"]
        interval = max(int(pattern.get("interval") or 1), 1)
        day = datetime.fromisoformat(rule_range.get("startDate") or first_day).date()
        last = rule_range.get("endDate") if rule_range["type"] == "endDate" else None
        last = datetime.fromisoformat(last).date() if last else until
        count = (
            int(rule_range.get("numberOfOccurrences") or 0)
            if rule_range["type"] == "numbered"
            else None
        )
        weekdays = [
            WEEKDAYS.index(name.lower()) for name in pattern.get("daysOfWeek") or []
        ]
        kind, found = pattern["type"], 0
        week_start = day - timedelta(days=day.weekday())
        while day <= min(last, until) and (count is None or found < count):
            if kind == "daily":
                match = True
            elif kind == "weekly":
                weeks = (day - timedelta(days=day.weekday()) - week_start).days // 7
                match = weeks % interval == 0 and day.weekday() in weekdays
            elif kind == "absoluteMonthly":
                match = day.day == int(pattern.get("dayOfMonth") or 1)
            else:
                raise ValueError(f"pattern {kind} not faked")
            if match:
                found += 1
                yield day
            day += timedelta(days=interval if kind == "daily" else 1)

    def _expand(self, master, start=None, end=None):
        """The instances of a series master Graph lists in a calendar view."""
        first = _parse(master["start"]["dateTime"])
        length = _parse(master["end"]["dateTime"]) - first
        until = (end or _now() + timedelta(days=730)).date()
        exceptions = master.get("_exceptions", {})
        cancelled = set(master.get("_cancelled", []))
        base = {
            k: v
            for k, v in master.items()
            if k not in ("recurrence", "_exceptions", "_cancelled")
        }
        for day in self._series_days(
            master["recurrence"], first.date().isoformat(), until
        ):
            key = day.strftime("%Y%m%d")
            if key in cancelled:
                continue
            # a series repeats at the same wall-clock time in its own zone
            occ_start = datetime.combine(day, first.time())
            zone_name = master["start"].get("timeZone") or "UTC"
            occurrence = dict(
                base,
                id=f"{master['id']}_OID_{key}",
                type="occurrence",
                seriesMasterId=master["id"],
                originalStart=_iso(_to_utc(occ_start, zone_name)),
                start={
                    "dateTime": occ_start.isoformat() + ".0000000",
                    "timeZone": zone_name,
                },
                end={
                    "dateTime": (occ_start + length).isoformat() + ".0000000",
                    "timeZone": master["end"].get("timeZone") or zone_name,
                },
            )
            if key in exceptions:
                occurrence.update(exceptions[key], type="exception")
            yield occurrence

    def _view_items(self, mailbox, start, end):
        """What a calendarView lists: single events and series instances."""
        items = {}
        for event in self.mailboxes[mailbox]["events"].values():
            if event.get("type") == "seriesMaster":
                for occurrence in self._expand(event, start, end):
                    if self._in_window(occurrence, start, end):
                        items[occurrence["id"]] = occurrence
            elif self._in_window(event, start, end):
                items[event["id"]] = event
        return items

    def _instance(self, mailbox, item_id):
        """A series instance by id (None once cancelled or out of the series)."""
        if "_OID_" not in item_id:
            return None
        master_id, day = item_id.rsplit("_OID_", 1)
        master = self.mailboxes[mailbox]["events"].get(master_id)
        if not master or master.get("type") != "seriesMaster":
            return None
        target = datetime.strptime(day, "%Y%m%d")
        found = self._expand(master, target, target + timedelta(days=1))
        return next((o for o in found if o["id"] == item_id), None)

    def _calendar_view(self, request, mailbox):
        start = _parse(request.query["startDateTime"])
        end = _parse(request.query["endDateTime"])
        events = list(self._view_items(mailbox, start, end).values())
        return Reply(200, {"value": events})

    # -- delta paging ------------------------------------------------------
    def _delta(self, request, mailbox, kind, list_id=None):
        box = self.mailboxes[mailbox]
        if kind == "events":
            store, log = box["events"], box["log"]
        else:
            store, log = box["lists"][list_id]["tasks"], box["lists"][list_id]["log"]
        base = f"{self.url}{request.path}"
        if "$expand" in request.query:
            # as Graph answers a delta query that expands the task's extensions
            return _error(
                400,
                "BadRequest",
                "Parsing OData Select and Expand failed: Value cannot be null. "
                "(Parameter 'initialState')",
            )
        token = request.query.get("$skiptoken") or request.query.get("$deltatoken")
        if token:
            cursor = self.cursors.get(token)
            if not cursor or cursor.get("expired") or cursor["mailbox"] != mailbox:
                return _error(
                    410,
                    "fullSyncRequired",
                    "The sync state is no longer valid; a full sync is required.",
                )
            if kind == "events" and self._asks_other_range(request, cursor):
                # a calendarView delta link is bound to the range it was made for
                return _error(
                    400,
                    "ErrorInvalidParameter",
                    "startDateTime and endDateTime cannot change within a delta "
                    "round; start a new round without a delta token.",
                )
            if "$deltatoken" in request.query:
                # a new round: everything logged since the token was issued
                since = cursor["seq"]
                changed = sorted({i for seq, i in log if seq > since})
                if kind == "events":
                    changed = self._with_instances(mailbox, changed, cursor["window"])
                cursor = {
                    "mailbox": mailbox,
                    "ids": changed,
                    "offset": 0,
                    "seq": self.seq,
                    "window": cursor["window"],
                    "initial": False,
                }
        else:
            window = (None, None)
            if kind == "events":
                window = (
                    _parse(request.query["startDateTime"]),
                    _parse(request.query["endDateTime"]),
                )
            cursor = {
                "mailbox": mailbox,
                "ids": sorted(self._view_items(mailbox, *window))
                if kind == "events"
                else sorted(store),
                "offset": 0,
                "seq": self.seq,
                "window": window,
                "initial": True,
            }
        size = self._page_size(request)
        chunk = cursor["ids"][cursor["offset"] : cursor["offset"] + size]
        start, end = cursor["window"]
        value = []
        for item_id in chunk:
            item = store.get(item_id)
            if kind == "events":
                # a calendarView lists a series by its instances, never its master
                item = self._instance(mailbox, item_id) or item
                if item and item.get("type") == "seriesMaster":
                    continue
            if item is None or (
                kind == "events" and not self._in_window(item, start, end)
            ):
                if not cursor["initial"]:
                    value.append({"id": item_id, "@removed": {"reason": "deleted"}})
                continue
            value.append(item if kind == "events" else self._task_view(item))
        body = {"value": value}
        rest = cursor["ids"][cursor["offset"] + size :]
        if rest:
            skip = secrets.token_urlsafe(12)
            self.cursors[skip] = dict(cursor, offset=cursor["offset"] + size)
            body["@odata.nextLink"] = f"{base}?$skiptoken={skip}"
        else:
            delta = secrets.token_urlsafe(12)
            self.cursors[delta] = {
                "mailbox": mailbox,
                "seq": cursor["seq"],
                "window": cursor["window"],
            }
            body["@odata.deltaLink"] = f"{base}?$deltatoken={delta}"
        return Reply(200, body)


def days(n):
    return timedelta(days=n)
