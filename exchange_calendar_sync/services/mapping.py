"""Pure mapping between Odoo values and Microsoft Graph / EWS payloads.

The Odoo side is described by plain dicts (no records) so this module stays
Odoo-free:

* event values: ``name, start, stop`` (naive UTC datetimes), ``allday``,
  ``start_date, stop_date`` (dates, stop inclusive as in Odoo), ``location``,
  ``description`` (HTML), ``attendee_emails``, ``organizer_email``,
  ``privacy`` (public/private/confidential/False), ``show_as`` (free/busy),
  ``tz`` (IANA name used when sending times).
* task values: ``summary, note`` (HTML), ``deadline`` (date), ``done`` (bool).

Remote items are normalised into the same dicts plus ``remote_id``,
``ical_uid``, ``change_key``, ``last_modified`` (naive UTC) and ``removed``.
"""

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Windows time zone names Graph may return when no UTC preference is honoured
WINDOWS_ZONES = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "GMT Standard Time": "Europe/London",
    "Romance Standard Time": "Europe/Copenhagen",
    "W. Europe Standard Time": "Europe/Amsterdam",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "FLE Standard Time": "Europe/Helsinki",
    "Eastern Standard Time": "America/New_York",
    "Pacific Standard Time": "America/Los_Angeles",
}

SENSITIVITY_TO_GRAPH = {
    "public": "normal",
    "private": "private",
    "confidential": "confidential",
}
SENSITIVITY_FROM_GRAPH = {
    "normal": "public",
    "personal": "private",
    "private": "private",
    "confidential": "confidential",
}
SENSITIVITY_TO_EWS = {
    "public": "Normal",
    "private": "Private",
    "confidential": "Confidential",
}
SENSITIVITY_FROM_EWS = {
    "Normal": "public",
    "Personal": "private",
    "Private": "private",
    "Confidential": "confidential",
}

# "odoo2-<mailbox id>-<model>-<record id>-<HMAC-SHA256 hex>"; the unsigned
# "odoo-<db>-<model>-<id>-<mailbox>" keys of older versions do not match
ODOO_KEY_RE = re.compile(
    r"odoo2-(?P<mb>[0-9]{1,18})-(?P<model>[a-z_.]{1,64})-(?P<id>[0-9]{1,18})"
    r"-(?P<sig>[0-9a-f]{64})"
)


# -- time helpers -----------------------------------------------------------
TASK_EXTENSION = "com.nordiccrm.odoo.sync"  # open extension on To Do tasks


def zone(name):
    """A ``ZoneInfo`` for an IANA or Windows zone name (UTC when unknown)."""
    name = WINDOWS_ZONES.get(name or "UTC", name or "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_datetime(value):
    """Parse a Graph/ISO datetime (up to 7 fraction digits) to naive UTC."""
    if not value:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip().replace("Z", "+00:00")
        match = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", text)
        if match:
            fraction = (match.group(2) or "")[:7]
            micro = fraction[1:7].ljust(6, "0") if fraction else ""
            text = match.group(1) + (f".{micro}" if micro else "") + match.group(3)
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def graph_time_to_utc(value):
    """``{"dateTime", "timeZone"}`` → naive UTC datetime."""
    if not value or not value.get("dateTime"):
        return None
    local = parse_datetime(value["dateTime"])
    tz = zone(value.get("timeZone"))
    return local.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


def utc_to_local(value, tz_name):
    return (
        value.replace(tzinfo=timezone.utc)
        .astimezone(zone(tz_name))
        .replace(tzinfo=None)
    )


def iso_utc(value):
    """Naive UTC datetime → ``2026-01-01T00:00:00Z`` as Graph query params want."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


# -- Odoo keys used for idempotent creates ------------------------------------
def odoo_key(mailbox_id, model, res_id, signature):
    """The key we stamp on items we create (Graph ``transactionId``, To Do
    ``linkedResources.externalId``, the EWS extended property) to recognise
    them after a crash. ``signature`` is the caller's HMAC over the mailbox and
    the record: anyone can write a key into their own Outlook items, so a key
    is only trusted once its signature is checked (see :func:`parse_odoo_key`)."""
    return f"odoo2-{mailbox_id}-{model}-{res_id}-{signature}"


def parse_odoo_key(value):
    """``(mailbox_id, model, res_id, signature)`` of a well-formed key, else None.

    The signature is returned, not checked: the caller must compare it (in
    constant time) with the one it computes for its own mailbox.
    """
    match = ODOO_KEY_RE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return None
    return (
        int(match.group("mb")),
        match.group("model"),
        int(match.group("id")),
        match.group("sig"),
    )


# -- calendar events: Graph ---------------------------------------------------
def event_to_graph(values, fields=None):
    """Odoo event values → Graph event payload (only ``fields`` if given)."""
    tz = values.get("tz") or "UTC"
    payload = {}
    wanted = set(fields or values)

    def want(*names):
        return any(name in wanted for name in names)

    if want("name"):
        payload["subject"] = values.get("name") or ""
    if want("description"):
        payload["body"] = {
            "contentType": "html",
            "content": values.get("description") or "",
        }
    if want("start", "stop", "allday", "start_date", "stop_date"):
        if values.get("allday"):
            start_day = _as_date(values.get("start_date") or values.get("start"))
            stop_day = (
                _as_date(values.get("stop_date") or values.get("stop")) or start_day
            )
            payload["isAllDay"] = True
            payload["start"] = {
                "dateTime": datetime.combine(start_day, time()).isoformat(),
                "timeZone": tz,
            }
            # Outlook's all-day end is exclusive, Odoo's stop date inclusive
            payload["end"] = {
                "dateTime": datetime.combine(
                    stop_day + timedelta(days=1), time()
                ).isoformat(),
                "timeZone": tz,
            }
        else:
            payload["isAllDay"] = False
            payload["start"] = {
                "dateTime": utc_to_local(values["start"], tz).isoformat(),
                "timeZone": tz,
            }
            payload["end"] = {
                "dateTime": utc_to_local(values["stop"], tz).isoformat(),
                "timeZone": tz,
            }
    if want("location"):
        payload["location"] = {"displayName": values.get("location") or ""}
    if want("attendee_emails"):
        organizer = (values.get("organizer_email") or "").lower()
        payload["attendees"] = [
            {"emailAddress": {"address": email}, "type": "required"}
            for email in values.get("attendee_emails") or []
            if email and email.lower() != organizer
        ]
    if want("privacy"):
        payload["sensitivity"] = SENSITIVITY_TO_GRAPH.get(
            values.get("privacy"), "normal"
        )
    if want("show_as"):
        payload["showAs"] = "free" if values.get("show_as") == "free" else "busy"
    if values.get("recurrence"):
        payload["recurrence"] = values["recurrence"]
    return payload


def _email(entry):
    address = ((entry or {}).get("emailAddress") or {}).get("address")
    return address.lower() if address else None


def event_from_graph(event):
    """Graph event → Odoo event values plus remote identity fields."""
    values = {
        "remote_id": event.get("id"),
        "removed": "@removed" in event or bool(event.get("isCancelled")),
        "last_modified": parse_datetime(event.get("lastModifiedDateTime")),
        "change_key": event.get("changeKey"),
        "ical_uid": event.get("iCalUId"),
        "transaction_id": event.get("transactionId"),
    }
    if "@removed" in event:
        return values
    allday = bool(event.get("isAllDay"))
    start = graph_time_to_utc(event.get("start"))
    stop = graph_time_to_utc(event.get("end"))
    if allday and start:
        start_local = parse_datetime(event["start"]["dateTime"])
        stop_local = parse_datetime(event["end"]["dateTime"])
        start_day = start_local.date()
        stop_day = max(start_day, (stop_local - timedelta(days=1)).date())
        start = datetime.combine(start_day, time())
        stop = datetime.combine(stop_day, time())
        values.update(start_date=start_day, stop_date=stop_day)
    organizer = _email(event.get("organizer"))
    attendees = [_email(a) for a in event.get("attendees") or []]
    emails = [e for e in attendees if e]
    if organizer and organizer not in emails:
        emails.insert(0, organizer)
    body = event.get("body") or {}
    content = body.get("content") or ""
    if body.get("contentType", "html").lower() == "text" and content:
        content = "<p>%s</p>" % content.replace("&", "&amp;").replace("<", "&lt;")
    values.update(
        {
            "name": event.get("subject") or "",
            "description": content,
            "allday": allday,
            "start": start,
            "stop": stop,
            "location": ((event.get("location") or {}).get("displayName")) or False,
            "attendee_emails": emails,
            "organizer_email": organizer,
            "privacy": SENSITIVITY_FROM_GRAPH.get(event.get("sensitivity"), False),
            "show_as": "free" if event.get("showAs") == "free" else "busy",
            "series": event.get("type") in ("seriesMaster", "occurrence", "exception"),
            "series_type": event.get("type") or "singleInstance",
            "series_master_id": event.get("seriesMasterId"),
            "original_start": parse_datetime(event.get("originalStart")),
        }
    )
    if event.get("type") == "seriesMaster" and event.get("recurrence"):
        values["recurrence"] = recurrence_from_graph(event["recurrence"])
        # a series repeats at the same wall-clock time of its own zone
        values["series_tz"] = zone((event.get("start") or {}).get("timeZone")).key
    return values


# -- recurrences: Graph patternedRecurrence <-> Odoo calendar.recurrence -------
WEEKDAY_FIELDS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
GRAPH_WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]
GRAPH_INDEX = {"first": "1", "second": "2", "third": "3", "fourth": "4", "last": "-1"}
GRAPH_PATTERNS = {
    "daily": "daily",
    "weekly": "weekly",
    "absoluteMonthly": "monthly",
    "relativeMonthly": "monthly",
    "absoluteYearly": "yearly",
    "relativeYearly": "yearly",
}


def recurrence_from_graph(recurrence):
    """Graph ``patternedRecurrence`` → the rule fields of ``calendar.recurrence``
    (as core ``microsoft_calendar`` reads them)."""
    pattern = recurrence.get("pattern") or {}
    rule_range = recurrence.get("range") or {}
    kind = pattern.get("type") or "daily"
    values = {
        "rrule_type": GRAPH_PATTERNS.get(kind, "daily"),
        "interval": max(int(pattern.get("interval") or 1), 1),
        "end_type": {"endDate": "end_date", "numbered": "count"}.get(
            rule_range.get("type"), "forever"
        ),
        "count": int(rule_range.get("numberOfOccurrences") or 1),
        "until": _as_date(rule_range.get("endDate"))
        if rule_range.get("type") == "endDate"
        else False,
    }
    days = [(d or "").lower() for d in pattern.get("daysOfWeek") or []]
    for name, field in zip(GRAPH_WEEKDAYS, WEEKDAY_FIELDS, strict=True):
        values[field] = name in days
    if kind in ("absoluteMonthly", "absoluteYearly"):
        values.update(month_by="date", day=int(pattern.get("dayOfMonth") or 1))
    elif kind in ("relativeMonthly", "relativeYearly"):
        values.update(
            month_by="day",
            byday=GRAPH_INDEX.get(pattern.get("index"), "1"),
            weekday=(days[0][:3] if days else "mon").upper(),
        )
    return values


def recurrence_to_graph(rule, start_day, max_count=720):
    """The rule fields of an Odoo recurrence → Graph ``patternedRecurrence``;
    ``start_day`` is the first occurrence's date (the series' range start)."""
    kind = rule.get("rrule_type") or "weekly"
    pattern = {"type": kind, "interval": max(int(rule.get("interval") or 1), 1)}
    if kind == "weekly":
        pattern["daysOfWeek"] = [
            name
            for name, field in zip(GRAPH_WEEKDAYS, WEEKDAY_FIELDS, strict=True)
            if rule.get(field)
        ] or [GRAPH_WEEKDAYS[start_day.weekday()]]
        pattern["firstDayOfWeek"] = "monday"
    elif kind in ("monthly", "yearly"):
        prefix = "Monthly" if kind == "monthly" else "Yearly"
        if rule.get("month_by") == "day":
            index = {v: k for k, v in GRAPH_INDEX.items()}
            pattern.update(
                type=f"relative{prefix}",
                index=index.get(rule.get("byday") or "1", "first"),
                daysOfWeek=[
                    GRAPH_WEEKDAYS[
                        WEEKDAY_FIELDS.index((rule.get("weekday") or "MON").lower())
                    ]
                ],
            )
        else:
            pattern.update(
                type=f"absolute{prefix}", dayOfMonth=rule.get("day") or start_day.day
            )
        if kind == "yearly":
            pattern["month"] = start_day.month
    rule_range = {"startDate": start_day.isoformat()}
    end_type = rule.get("end_type")
    if end_type == "end_date" and rule.get("until"):
        rule_range.update(type="endDate", endDate=_as_date(rule["until"]).isoformat())
    elif end_type == "count":
        rule_range.update(
            type="numbered",
            numberOfOccurrences=min(int(rule.get("count") or 1), max_count),
        )
    else:
        rule_range["type"] = "noEnd"
    return {"pattern": pattern, "range": rule_range}


# -- calendar events: EWS (plain values, ews_client builds exchangelib items) --
def event_to_ews(values):
    """Odoo event values → plain EWS CalendarItem field values."""
    tz = values.get("tz") or "UTC"
    organizer = (values.get("organizer_email") or "").lower()
    result = {
        "subject": values.get("name") or "",
        "body_html": values.get("description") or "",
        "location": values.get("location") or None,
        "is_all_day": bool(values.get("allday")),
        "attendees": [
            email
            for email in values.get("attendee_emails") or []
            if email and email.lower() != organizer
        ],
        "sensitivity": SENSITIVITY_TO_EWS.get(values.get("privacy"), "Normal"),
        "legacy_free_busy_status": "Free"
        if values.get("show_as") == "free"
        else "Busy",
        "tz": tz,
    }
    if values.get("allday"):
        start_day = _as_date(values.get("start_date") or values.get("start"))
        stop_day = _as_date(values.get("stop_date") or values.get("stop")) or start_day
        result["start"] = start_day
        result["end"] = stop_day + timedelta(days=1)
    else:
        result["start"] = values["start"].replace(tzinfo=timezone.utc)
        result["end"] = values["stop"].replace(tzinfo=timezone.utc)
    if values.get("recurrence"):
        # the Graph-shaped rule; ews_client makes it an EWS Recurrence
        result["recurrence"] = values["recurrence"]
    return result


EWS_SERIES_TYPES = {
    "Single": "singleInstance",
    "Occurrence": "occurrence",
    "Exception": "exception",
    "RecurringMaster": "seriesMaster",
}


def event_from_ews(item):
    """Plain EWS CalendarItem values (see ews_client) → Odoo event values."""
    values = {
        "remote_id": item.get("id"),
        "change_key": item.get("changekey"),
        "ical_uid": item.get("uid"),
        "last_modified": parse_datetime(item.get("last_modified_time")),
        "removed": bool(item.get("removed") or item.get("is_cancelled")),
        "transaction_id": item.get("odoo_key"),
    }
    if item.get("removed"):
        return values
    allday = bool(item.get("is_all_day"))
    if allday:
        start_day = _as_date(item.get("start"))
        stop_day = max(start_day, _as_date(item.get("end")) - timedelta(days=1))
        start = datetime.combine(start_day, time())
        stop = datetime.combine(stop_day, time())
        values.update(start_date=start_day, stop_date=stop_day)
    else:
        start = parse_datetime(item.get("start"))
        stop = parse_datetime(item.get("end"))
    organizer = (item.get("organizer") or "").lower() or None
    emails = [e.lower() for e in item.get("attendees") or [] if e]
    if organizer and organizer not in emails:
        emails.insert(0, organizer)
    values.update(
        {
            "name": item.get("subject") or "",
            "description": item.get("body_html") or "",
            "allday": allday,
            "start": start,
            "stop": stop,
            "location": item.get("location") or False,
            "attendee_emails": emails,
            "organizer_email": organizer,
            "privacy": SENSITIVITY_FROM_EWS.get(item.get("sensitivity"), False),
            "show_as": "free"
            if item.get("legacy_free_busy_status") == "Free"
            else "busy",
            "series": item.get("type") not in (None, "Single"),
            "series_type": EWS_SERIES_TYPES.get(item.get("type"), "singleInstance"),
            "series_master_id": item.get("series_master_id"),
            "original_start": parse_datetime(item.get("original_start")),
        }
    )
    if item.get("type") == "RecurringMaster" and item.get("recurrence"):
        values["recurrence"] = recurrence_from_graph(item["recurrence"])
        values["series_tz"] = zone(item.get("start_timezone")).key
        values["series_end"] = parse_datetime(item.get("last_occurrence_end"))
        values["deleted_starts"] = [
            parse_datetime(start) for start in item.get("deleted_occurrences") or []
        ]
    return values


# -- tasks ---------------------------------------------------------------------
def task_to_graph(values, key=None):
    """Odoo activity values → Microsoft To Do task payload."""
    payload = {
        "title": values.get("summary") or "",
        "body": {"contentType": "html", "content": values.get("note") or ""},
        "status": "completed" if values.get("done") else "notStarted",
    }
    deadline = _as_date(values.get("deadline"))
    payload["dueDateTime"] = (
        {"dateTime": datetime.combine(deadline, time()).isoformat(), "timeZone": "UTC"}
        if deadline
        else None
    )
    if key:
        # an open extension: the documented place for our data on a todoTask,
        # created with the task in one POST (read back with $expand=extensions)
        payload["extensions"] = [
            {
                "@odata.type": "microsoft.graph.openTypeExtension",
                "extensionName": TASK_EXTENSION,
                "odooKey": key,
            }
        ]
    return payload


def task_key_from_graph(task):
    """Our key in a todoTask read with ``$expand=extensions`` (None without)."""
    return next(
        (
            extension.get("odooKey")
            for extension in task.get("extensions") or []
            if extension.get("extensionName") == TASK_EXTENSION
            or (extension.get("id") or "").endswith(TASK_EXTENSION)
        ),
        None,
    )


def task_from_graph(task):
    """Microsoft To Do task → Odoo activity values plus identity fields."""
    values = {
        "remote_id": task.get("id"),
        "removed": "@removed" in task,
        "last_modified": parse_datetime(task.get("lastModifiedDateTime")),
        "change_key": task.get("@odata.etag") or task.get("lastModifiedDateTime"),
        # lists and deltas never carry the extension: see task_key_from_graph
        "odoo_key": task_key_from_graph(task),
    }
    if "@removed" in task:
        return values
    due = task.get("dueDateTime")
    deadline = None
    if due and due.get("dateTime"):
        # a due date is a calendar day: read it in its own zone, no shifting
        deadline = parse_datetime(due["dateTime"]).date()
    body = task.get("body") or {}
    content = body.get("content") or ""
    if body.get("contentType", "text").lower() == "text" and content:
        content = "<p>%s</p>" % content.replace("&", "&amp;").replace("<", "&lt;")
    values.update(
        {
            "summary": task.get("title") or "",
            "note": content,
            "deadline": deadline,
            "done": task.get("status") == "completed",
        }
    )
    return values


def task_to_ews(values):
    done = bool(values.get("done"))
    return {
        "subject": values.get("summary") or "",
        "body_html": values.get("note") or "",
        "due_date": _as_date(values.get("deadline")),
        "status": "Completed" if done else "NotStarted",
        "percent_complete": 100 if done else 0,
    }


def task_from_ews(item):
    values = {
        "remote_id": item.get("id"),
        "change_key": item.get("changekey"),
        "last_modified": parse_datetime(item.get("last_modified_time")),
        "removed": bool(item.get("removed")),
        "odoo_key": item.get("odoo_key"),
    }
    if item.get("removed"):
        return values
    values.update(
        {
            "summary": item.get("subject") or "",
            "note": item.get("body_html") or "",
            "deadline": _as_date(item.get("due_date")),
            "done": item.get("status") == "Completed",
        }
    )
    return values


# -- comparisons used by the re-link wizard -----------------------------------
def event_match_key(values):
    """``(subject, start, stop)`` with minute precision for re-linking."""
    start, stop = values.get("start"), values.get("stop")
    if values.get("allday"):
        start = _as_date(values.get("start_date") or start)
        stop = _as_date(values.get("stop_date") or stop)
    else:
        start = start and start.replace(second=0, microsecond=0)
        stop = stop and stop.replace(second=0, microsecond=0)
    return ((values.get("name") or "").strip().lower(), start, stop)


def task_match_key(values):
    return (
        (values.get("summary") or "").strip().lower(),
        _as_date(values.get("deadline")),
    )
