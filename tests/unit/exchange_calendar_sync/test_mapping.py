from datetime import date, datetime

from tests.unit.svc import load

mapping = load("exchange_calendar_sync", "mapping")
conflict = load("exchange_calendar_sync", "conflict")


def odoo_event(**overrides):
    values = {
        "name": "Salgsmøde",
        "start": datetime(2026, 6, 1, 8, 0),
        "stop": datetime(2026, 6, 1, 9, 30),
        "allday": False,
        "location": "Aarhus",
        "description": "<p>Agenda</p>",
        "attendee_emails": ["anna@x.dk", "kunde@y.nl"],
        "organizer_email": "anna@x.dk",
        "privacy": "private",
        "show_as": "free",
        "tz": "Europe/Copenhagen",
    }
    values.update(overrides)
    return values


def test_event_to_graph_sends_local_time_with_zone():
    payload = mapping.event_to_graph(odoo_event())
    assert payload["subject"] == "Salgsmøde"
    # 08:00 UTC is 10:00 in Copenhagen in summer
    assert payload["start"] == {
        "dateTime": "2026-06-01T10:00:00",
        "timeZone": "Europe/Copenhagen",
    }
    assert payload["end"]["dateTime"] == "2026-06-01T11:30:00"
    assert payload["isAllDay"] is False
    assert payload["sensitivity"] == "private"
    assert payload["showAs"] == "free"
    assert payload["location"] == {"displayName": "Aarhus"}
    assert payload["body"] == {"contentType": "html", "content": "<p>Agenda</p>"}
    # the organizer is not listed as an attendee of their own meeting
    assert [a["emailAddress"]["address"] for a in payload["attendees"]] == [
        "kunde@y.nl"
    ]


def test_all_day_end_is_exclusive_in_outlook():
    values = odoo_event(
        allday=True, start_date=date(2026, 6, 1), stop_date=date(2026, 6, 2)
    )
    payload = mapping.event_to_graph(values)
    assert payload["isAllDay"] is True
    assert payload["start"]["dateTime"] == "2026-06-01T00:00:00"
    assert payload["end"]["dateTime"] == "2026-06-03T00:00:00"
    back = mapping.event_from_graph(
        {"id": "1", "isAllDay": True, **payload, "organizer": {}, "attendees": []}
    )
    assert back["start_date"] == date(2026, 6, 1)
    assert back["stop_date"] == date(2026, 6, 2)


def test_event_from_graph_round_trip_and_windows_zone():
    event = {
        "id": "AAMk1",
        "iCalUId": "uid-1",
        "changeKey": "ck",
        "lastModifiedDateTime": "2026-05-01T10:11:12.1234567Z",
        "subject": "Review",
        "body": {"contentType": "text", "content": "a < b"},
        "start": {
            "dateTime": "2026-06-01T10:00:00.0000000",
            "timeZone": "Romance Standard Time",
        },
        "end": {
            "dateTime": "2026-06-01T11:00:00.0000000",
            "timeZone": "Romance Standard Time",
        },
        "isAllDay": False,
        "location": {"displayName": "Rum 2"},
        "organizer": {"emailAddress": {"address": "Boss@X.dk"}},
        "attendees": [{"emailAddress": {"address": "anna@x.dk"}}],
        "sensitivity": "personal",
        "showAs": "tentative",
        "type": "singleInstance",
    }
    values = mapping.event_from_graph(event)
    assert values["start"] == datetime(2026, 6, 1, 8, 0)
    assert values["stop"] == datetime(2026, 6, 1, 9, 0)
    assert values["last_modified"] == datetime(2026, 5, 1, 10, 11, 12, 123456)
    assert values["organizer_email"] == "boss@x.dk"
    assert values["attendee_emails"] == ["boss@x.dk", "anna@x.dk"]
    assert values["privacy"] == "private"
    assert values["show_as"] == "busy"
    assert values["description"] == "<p>a &lt; b</p>"
    assert not values["removed"]


def test_removed_entries():
    values = mapping.event_from_graph({"id": "x", "@removed": {"reason": "deleted"}})
    assert values == {
        "remote_id": "x",
        "removed": True,
        "last_modified": None,
        "change_key": None,
        "ical_uid": None,
        "transaction_id": None,
    }
    assert mapping.task_from_graph({"id": "t", "@removed": {"reason": "deleted"}})[
        "removed"
    ]


def test_tasks_both_ways():
    payload = mapping.task_to_graph(
        {
            "summary": "Ring",
            "note": "<p>x</p>",
            "deadline": date(2026, 3, 4),
            "done": True,
        },
        key="odoo-abc-mail.activity-7-2",
    )
    assert payload["status"] == "completed"
    assert payload["dueDateTime"]["dateTime"] == "2026-03-04T00:00:00"
    extension = payload["extensions"][0]
    assert extension["@odata.type"] == "microsoft.graph.openTypeExtension"
    assert extension["odooKey"] == "odoo-abc-mail.activity-7-2"
    assert "linkedResources" not in payload
    # a task read with $expand=extensions carries the key
    back = mapping.task_from_graph(
        dict(payload, id="t1", lastModifiedDateTime="2026-03-01T00:00:00Z")
    )
    assert back["deadline"] == date(2026, 3, 4)
    assert back["done"] is True
    assert back["odoo_key"] == "odoo-abc-mail.activity-7-2"
    # as in a list or delta: no extension, no key (and linkedResources never count)
    listed = {k: v for k, v in payload.items() if k != "extensions"}
    listed["linkedResources"] = [
        {"applicationName": "Odoo", "externalId": "odoo-abc-mail.activity-7-2"}
    ]
    assert mapping.task_from_graph(dict(listed, id="t1"))["odoo_key"] is None
    ews = mapping.task_to_ews(
        {"summary": "Ring", "deadline": date(2026, 3, 4), "done": False}
    )
    assert ews["status"] == "NotStarted" and ews["percent_complete"] == 0
    assert mapping.task_from_ews({"id": "1", "status": "Completed", "subject": "S"})[
        "done"
    ]


def test_ews_event_mapping():
    plain = mapping.event_to_ews(odoo_event(privacy="confidential"))
    assert plain["sensitivity"] == "Confidential"
    assert plain["legacy_free_busy_status"] == "Free"
    assert plain["start"].tzinfo is not None
    assert plain["attendees"] == ["kunde@y.nl"]
    back = mapping.event_from_ews(
        {
            "id": "E1",
            "changekey": "c",
            "uid": "u",
            "subject": "S",
            "start": datetime(2026, 6, 1, 8),
            "end": datetime(2026, 6, 1, 9),
            "is_all_day": False,
            "organizer": "A@x.dk",
            "attendees": ["b@x.dk"],
            "sensitivity": "Private",
            "legacy_free_busy_status": "Busy",
            "type": "Single",
        }
    )
    assert back["attendee_emails"] == ["a@x.dk", "b@x.dk"]
    assert back["privacy"] == "private"
    assert back["series"] is False


def test_odoo_keys_carry_mailbox_record_and_signature():
    sig = "ab" * 32
    key = mapping.odoo_key(3, "calendar.event", 42, sig)
    assert key == f"odoo2-3-calendar.event-42-{sig}"
    assert mapping.parse_odoo_key(key) == (3, "calendar.event", 42, sig)


def test_malformed_and_legacy_odoo_keys_are_not_parsed():
    sig = "ab" * 32
    for value in (
        None,
        42,
        "random",
        # the unsigned key of older versions is never trusted
        "odoo-abc123def456-calendar.event-42-3",
        f"odoo2-3-calendar.event-42-{sig[:-2]}",  # short signature
        f"odoo2-3-calendar.event-42-{sig.upper()}",
        f"odoo2-3-calendar.event-42-{sig}\n",
        f"odoo2-x-calendar.event-42-{sig}",
        f"odoo2-3-calendar.event-4\u00b22-{sig}",  # superscript digit
    ):
        assert mapping.parse_odoo_key(value) is None, value


def test_match_keys_ignore_seconds_and_case():
    a = {
        "name": "Møde ",
        "start": datetime(2026, 1, 1, 8, 0, 30),
        "stop": datetime(2026, 1, 1, 9),
    }
    b = {
        "name": "møde",
        "start": datetime(2026, 1, 1, 8),
        "stop": datetime(2026, 1, 1, 9, 0, 10),
    }
    assert mapping.event_match_key(a) == mapping.event_match_key(b)
    assert mapping.task_match_key({"summary": "X", "deadline": date(2026, 1, 1)}) == (
        "x",
        date(2026, 1, 1),
    )


def test_later_modification_wins():
    early, late = datetime(2026, 1, 1, 8), datetime(2026, 1, 1, 9)
    assert conflict.resolve(early, late) == conflict.REMOTE
    assert conflict.resolve(late, early) == conflict.ODOO
    assert conflict.resolve(late, late) == conflict.ODOO
    assert conflict.resolve(None, late) == conflict.REMOTE
    assert conflict.resolve(late, None) == conflict.ODOO


def test_recurrence_round_trips_between_odoo_and_graph():
    rule = {
        "rrule_type": "weekly",
        "interval": 2,
        "end_type": "count",
        "count": 10,
        "mon": True,
        "wed": True,
    }
    graph = mapping.recurrence_to_graph(rule, date(2026, 6, 1))
    assert graph == {
        "pattern": {
            "type": "weekly",
            "interval": 2,
            "daysOfWeek": ["monday", "wednesday"],
            "firstDayOfWeek": "monday",
        },
        "range": {
            "startDate": "2026-06-01",
            "type": "numbered",
            "numberOfOccurrences": 10,
        },
    }
    back = mapping.recurrence_from_graph(graph)
    assert {k: back[k] for k in rule} == rule
    assert not back["tue"] and not back["sun"]


def test_recurrence_monthly_and_until_from_graph():
    values = mapping.recurrence_from_graph(
        {
            "pattern": {
                "type": "relativeMonthly",
                "interval": 1,
                "daysOfWeek": ["thursday"],
                "index": "last",
            },
            "range": {
                "type": "endDate",
                "startDate": "2026-01-29",
                "endDate": "2026-12-31",
            },
        }
    )
    assert values["rrule_type"] == "monthly"
    assert values["month_by"] == "day"
    assert (values["byday"], values["weekday"]) == ("-1", "THU")
    assert values["end_type"] == "end_date"
    assert values["until"] == date(2026, 12, 31)
    forever = mapping.recurrence_to_graph(
        {"rrule_type": "monthly", "month_by": "date", "day": 15, "end_type": "forever"},
        date(2026, 1, 15),
    )
    assert forever["pattern"] == {
        "type": "absoluteMonthly",
        "interval": 1,
        "dayOfMonth": 15,
    }
    assert forever["range"] == {"startDate": "2026-01-15", "type": "noEnd"}


def test_series_instance_keeps_its_master_and_original_start():
    values = mapping.event_from_graph(
        {
            "id": "AAMk-1_OID_20260601",
            "type": "exception",
            "seriesMasterId": "AAMk-1",
            "originalStart": "2026-06-01T08:00:00Z",
            "subject": "Ugemøde",
            "start": {"dateTime": "2026-06-01T11:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-06-01T12:00:00.0000000", "timeZone": "UTC"},
        }
    )
    assert values["series_master_id"] == "AAMk-1"
    assert values["series_type"] == "exception"
    assert values["original_start"] == datetime(2026, 6, 1, 8, 0)
    assert values["start"] == datetime(2026, 6, 1, 11, 0)
