import time
from datetime import date, datetime, timedelta, timezone

import pytest
from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.ews import FakeEws
from nordic_crm_fakes.msgraph import FakeGraph

from tests.unit.svc import load

graph_client = load("exchange_calendar_sync", "graph_client")
ews_client = load("exchange_calendar_sync", "ews_client")
BOX = "anna@nordlys.dk"
DELTA = f"/v1.0/users/{BOX}/calendarView/delta"


@pytest.fixture
def fake():
    with FakeGraph() as server:
        server.add_mailbox(BOX, "Kalender", "Opgaver")
        yield server


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(fake, sleeps):
    return graph_client.GraphClient(
        fake.tenant,
        fake.client_id,
        fake.client_secret,
        graph_url=f"{fake.url}/v1.0",
        login_url=fake.url,
        page_size=3,
        max_retries=3,
        backoff=0.5,
        sleep=sleeps.append,
    )


def add(fake, count):
    start = datetime(2026, 6, 1, 8)
    return [
        fake.add_event(
            BOX,
            f"E{i}",
            start + timedelta(hours=i),
            start + timedelta(hours=i, minutes=30),
        )
        for i in range(count)
    ]


def window(client):
    return client.calendar_delta_page(
        BOX, "2026-05-01T00:00:00Z", "2026-07-01T00:00:00Z"
    )


def test_token_is_cached_and_sent(client, fake):
    add(fake, 1)
    window(client)
    client.get_calendar(BOX)
    assert client.token_count == 1
    token_call = fake.calls("POST")[0]
    assert b"grant_type=client_credentials" in token_call.body
    assert b"scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" in token_call.body
    assert fake.calls("GET")[0].headers["authorization"].startswith("Bearer ")


def test_wrong_secret_is_an_authentication_error(fake):
    client = graph_client.GraphClient(
        fake.tenant,
        fake.client_id,
        "forged",
        graph_url=f"{fake.url}/v1.0",
        login_url=fake.url,
    )
    with pytest.raises(graph_client.AuthenticationError):
        client.get_calendar(BOX)
    assert not fake.calls("GET")


def test_delta_paging_and_incremental_round(client, fake):
    events = add(fake, 7)
    page = window(client)
    seen = list(page.items)
    assert page.next_link and not page.delta_link
    assert "odata.maxpagesize=3" in fake.calls("GET")[0].headers["prefer"]
    while page.next_link:
        page = client.calendar_delta_page(BOX, link=page.next_link)
        seen += page.items
    assert len(seen) == 7 and page.delta_link
    fake.update_event(BOX, events[0]["id"], subject="changed")
    fake.delete_event(BOX, events[1]["id"])
    page = client.calendar_delta_page(BOX, link=page.delta_link)
    assert {i["id"] for i in page.items} == {events[0]["id"], events[1]["id"]}
    removed = [i for i in page.items if "@removed" in i]
    assert removed == [{"id": events[1]["id"], "@removed": {"reason": "deleted"}}]


def test_expired_delta_link_raises_sync_state_expired(client, fake):
    add(fake, 1)
    link = window(client).delta_link
    fake.expire_delta_tokens()
    with pytest.raises(graph_client.SyncStateExpired):
        client.calendar_delta_page(BOX, link=link)


def test_429_waits_retry_after(client, fake, sleeps):
    add(fake, 1)
    fake.queue(
        "GET",
        DELTA,
        Reply(
            429, {"error": {"code": "TooManyRequests"}}, headers={"Retry-After": "7"}
        ),
    )
    assert len(window(client).items) == 1
    assert sleeps == [7.0]


def test_5xx_backs_off_then_gives_up(client, fake, sleeps):
    fake.queue(
        "GET", DELTA, Reply(503, {"error": {"code": "ServiceUnavailable"}}), times=2
    )
    window(client)
    assert sleeps == [0.5, 1.0]
    fake.queue("GET", DELTA, Reply(500, {"error": {"message": "boom"}}), times=10)
    with pytest.raises(graph_client.GraphError) as error:
        window(client)
    assert error.value.status == 500


def test_create_is_idempotent_with_transaction_id(client, fake):
    payload = {
        "subject": "X",
        "start": {"dateTime": "2026-06-02T08:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-06-02T09:00:00", "timeZone": "UTC"},
    }
    first = client.create_event(
        BOX, payload, transaction_id="odoo-a-calendar.event-1-1"
    )
    again = client.create_event(
        BOX, payload, transaction_id="odoo-a-calendar.event-1-1"
    )
    assert first["id"] == again["id"]
    assert len(fake.events(BOX)) == 1
    client.update_event(BOX, first["id"], {"subject": "Y"})
    assert fake.events(BOX)[0]["subject"] == "Y"
    assert client.delete_event(BOX, first["id"])
    assert client.delete_event(BOX, first["id"])  # already gone is fine
    assert not fake.events(BOX)


def test_todo_default_list_and_task_delta(client, fake):
    todo_list = client.default_todo_list(BOX)
    assert todo_list["displayName"] == "Opgaver"
    task = client.create_task(
        BOX, todo_list["id"], {"title": "Ring", "status": "notStarted"}
    )
    page = client.tasks_delta_page(BOX, todo_list["id"])
    assert [t["title"] for t in page.items] == ["Ring"]
    client.update_task(BOX, todo_list["id"], task["id"], {"status": "completed"})
    page = client.tasks_delta_page(BOX, todo_list["id"], link=page.delta_link)
    assert page.items[0]["status"] == "completed"
    assert client.request_count >= 5


def test_ews_client_against_fake_ews():
    with FakeEws() as server:
        server.add_mailbox(BOX, "Kalender", "Opgaver")
        server.add_event(
            BOX,
            "Møde",
            datetime(2026, 6, 1, 8),
            datetime(2026, 6, 1, 9),
            attendees=["bo@nordlys.dk"],
        )
        client = ews_client.EwsClient(
            server.endpoint,
            server.username,
            server.password,
            auth_type="basic",
            max_wait=0,
            page_size=10,
        )
        assert client.folder_names(BOX) == {"calendar": "Kalender", "tasks": "Opgaver"}
        items, state, done = client.sync_page(BOX, "calendar", None)
        assert done and [i["subject"] for i in items] == ["Møde"]
        assert items[0]["attendees"] == ["bo@nordlys.dk"]
        created = client.create_item(
            BOX,
            "calendar",
            {
                "subject": "Ny",
                "body_html": "<p>x</p>",
                "is_all_day": False,
                "start": datetime(2026, 6, 2, 8, tzinfo=timezone.utc),
                "end": datetime(2026, 6, 2, 9, tzinfo=timezone.utc),
                "attendees": [],
                "sensitivity": "Normal",
                "legacy_free_busy_status": "Busy",
                "location": None,
            },
        )
        updated = client.update_item(
            BOX, "calendar", created["id"], {"subject": "Ny 2"}
        )
        assert (
            updated["subject"] == "Ny 2"
            and updated["changekey"] != created["changekey"]
        )
        items, state, done = client.sync_page(BOX, "calendar", state)
        assert [i["subject"] for i in items] == ["Ny 2"]
        client.delete_item(BOX, created["id"])
        assert client.delete_item(BOX, created["id"])  # already gone
        items, state, done = client.sync_page(BOX, "calendar", state)
        assert items == [{"id": created["id"], "removed": True}]
        task = client.create_item(
            BOX,
            "tasks",
            {
                "subject": "T",
                "due_date": date(2026, 6, 3),
                "status": "NotStarted",
                "percent_complete": 0,
            },
        )
        assert task["due_date"] == date(2026, 6, 3)
        assert "Autodiscover" not in server.operations
        assert server.operations[:2] == ["GetFolder", "GetFolder"]


def test_ews_wrong_password_fails():
    with FakeEws() as server:
        server.add_mailbox(BOX)
        client = ews_client.EwsClient(
            server.endpoint, server.username, "forged", auth_type="basic", max_wait=0
        )
        with pytest.raises(Exception):  # noqa: B017 - exchangelib raises UnauthorizedError
            client.sync_page(BOX, "calendar", None)
        assert not server.operations


def test_ews_items_carry_the_odoo_key_and_bad_states_are_reported():
    with FakeEws() as server:
        server.add_mailbox(BOX)
        client = ews_client.EwsClient(
            server.endpoint,
            server.username,
            server.password,
            auth_type="basic",
            max_wait=0,
        )
        created = client.create_item(
            BOX,
            "tasks",
            {"subject": "T", "status": "NotStarted", "percent_complete": 0},
            key="odoo-abc-mail.activity-9-1",
        )
        assert created["odoo_key"] == "odoo-abc-mail.activity-9-1"
        items, _state, _done = client.sync_page(BOX, "tasks", None)
        assert items[0]["odoo_key"] == "odoo-abc-mail.activity-9-1"
        with pytest.raises(ews_client.SyncStateInvalid):
            client.sync_page(BOX, "tasks", "not-a-state-exchange-knows")


def test_token_is_shared_between_clients_and_renewed_when_refused(fake):
    def new_client():
        return graph_client.GraphClient(
            fake.tenant,
            fake.client_id,
            fake.client_secret,
            graph_url=f"{fake.url}/v1.0",
            login_url=fake.url,
        )

    new_client().get_calendar(BOX)
    second = new_client()
    second.get_calendar(BOX)
    assert second.token_count == 0  # reused the first client's token
    fake.tokens.clear()  # Entra revoked it: the 401 fetches a fresh one
    second.get_calendar(BOX)
    assert second.token_count == 1
    assert len(fake.calls("POST")) == 2


def test_ews_reads_a_key_an_outlook_user_wrote_themselves():
    """The fake writes the property as any EWS client can: the sync must see
    such keys (and then refuse the ones it did not sign)."""
    with FakeEws() as server:
        server.add_mailbox(BOX)
        start = datetime(2026, 3, 2, 9)
        event_id = server.add_event(
            BOX, "E", start, start + timedelta(hours=1), odoo_key="forged-event"
        )
        task_id = server.add_task(BOX, "T", odoo_key="forged-task")
        assert server.odoo_key(BOX, event_id) == "forged-event"
        client = ews_client.EwsClient(
            server.endpoint,
            server.username,
            server.password,
            auth_type="basic",
            max_wait=0,
        )
        events, _state, _done = client.sync_page(BOX, "calendar", None)
        tasks, _state, _done = client.sync_page(BOX, "tasks", None)
        assert [(i["id"], i["odoo_key"]) for i in events] == [
            (event_id, "forged-event")
        ]
        assert [(i["id"], i["odoo_key"]) for i in tasks] == [(task_id, "forged-task")]


def test_ews_server_busy_waits_the_back_off_and_retries():
    with FakeEws() as server:
        server.add_mailbox(BOX)
        server.add_event(BOX, "Møde", datetime(2026, 6, 1, 8), datetime(2026, 6, 1, 9))
        client = ews_client.EwsClient(
            server.endpoint,
            server.username,
            server.password,
            auth_type="basic",
            max_wait=5,
        )
        client.folder_names(BOX)
        server.throttle("SyncFolderItems", times=2, back_off_ms=400)
        started = time.monotonic()
        items, _state, done = client.sync_page(BOX, "calendar", None)
        waited = time.monotonic() - started
        assert done and [i["subject"] for i in items] == ["Møde"]
        assert server.throttled == [("SyncFolderItems", 400)] * 2
        assert server.operations.count("SyncFolderItems") == 3
        assert waited >= 0.8  # both back-offs were honoured


def test_ews_server_busy_beyond_the_bound_gives_up():
    with FakeEws() as server:
        server.add_mailbox(BOX)
        client = ews_client.EwsClient(
            server.endpoint,
            server.username,
            server.password,
            auth_type="basic",
            max_wait=1,
        )
        client.folder_names(BOX)
        server.throttle("SyncFolderItems", times=50, back_off_ms=600)
        started = time.monotonic()
        with pytest.raises(ews_client.EwsError, match="busy"):
            client.sync_page(BOX, "calendar", None)
        assert time.monotonic() - started < 5
        assert server.operations.count("SyncFolderItems") == 2


def test_ews_each_client_has_its_own_waiting_budget():
    """exchangelib caches one Protocol per endpoint and login: a later run
    must not inherit the waiting an earlier run already used."""
    with FakeEws() as server:
        server.add_mailbox(BOX)
        for _run in range(2):
            client = ews_client.EwsClient(
                server.endpoint,
                server.username,
                server.password,
                auth_type="basic",
                max_wait=1,
            )
            client.folder_names(BOX)
            server.throttle("SyncFolderItems", times=1, back_off_ms=600)
            _items, _state, done = client.sync_page(BOX, "calendar", None)
            assert done
        assert len(server.throttled) == 2


def test_ews_ntlm_handshake_against_the_fake():
    with FakeEws() as server:
        server.auth = "ntlm"
        server.add_mailbox(BOX)
        server.add_event(BOX, "Møde", datetime(2026, 6, 1, 8), datetime(2026, 6, 1, 9))
        client = ews_client.EwsClient(
            server.endpoint,
            server.username,
            server.password,
            auth_type="ntlm",
            max_wait=0,
        )
        items, _state, _done = client.sync_page(BOX, "calendar", None)
        assert [i["subject"] for i in items] == ["Møde"]
        assert server.ntlm_messages[:2] == [1, 3]  # negotiate, authenticate
    # a wrong password fails the handshake; Basic is refused where only NTLM is on
    for password, auth_type in (("forged", "ntlm"), (FakeEws.password, "basic")):
        with FakeEws() as server:
            server.auth = "ntlm"
            server.add_mailbox(BOX)
            client = ews_client.EwsClient(
                server.endpoint,
                server.username,
                password,
                auth_type=auth_type,
                max_wait=0,
            )
            with pytest.raises(ews_client.EwsError, match="Unauthorized"):
                client.sync_page(BOX, "calendar", None)
            assert not server.operations


@pytest.mark.parametrize(
    "recurrence",
    [
        {
            "pattern": {"type": "daily", "interval": 2},
            "range": {"type": "noEnd", "startDate": "2026-06-01"},
        },
        {
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": ["monday", "thursday"],
                "firstDayOfWeek": "monday",
            },
            "range": {
                "type": "numbered",
                "startDate": "2026-06-01",
                "numberOfOccurrences": 8,
            },
        },
        {
            "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15},
            "range": {
                "type": "endDate",
                "startDate": "2026-06-15",
                "endDate": "2026-12-31",
            },
        },
        {
            "pattern": {
                "type": "relativeMonthly",
                "interval": 1,
                "daysOfWeek": ["tuesday"],
                "index": "last",
            },
            "range": {"type": "noEnd", "startDate": "2026-06-30"},
        },
        {
            "pattern": {
                "type": "relativeYearly",
                "interval": 1,
                "daysOfWeek": ["friday"],
                "index": "first",
                "month": 3,
            },
            "range": {"type": "noEnd", "startDate": "2027-03-05"},
        },
    ],
)
def test_ews_recurrence_round_trip(recurrence):
    """The rule survives Graph shape → EWS Recurrence XML → Graph shape."""
    from exchangelib.recurrence import Recurrence
    from exchangelib.version import Build, Version

    rule = ews_client.recurrence_to_ews(recurrence)
    xml = rule.to_xml(Version(build=Build(15, 1)))
    assert ews_client.recurrence_from_ews(Recurrence.from_xml(xml, None)) == recurrence


def test_ews_client_reads_recurring_masters_and_occurrences():
    with FakeEws() as server:
        server.add_mailbox(BOX)
        start = datetime(2026, 6, 1, 8)
        master_id = server.add_series(
            BOX, "Ugemøde", start, start + timedelta(hours=1), count=4
        )
        occurrences = server.occurrences(BOX, master_id)
        server.move_occurrence(
            BOX,
            occurrences[1]["id"],
            datetime(2026, 6, 8, 10),
            datetime(2026, 6, 8, 11),
        )
        server.cancel_occurrence(BOX, occurrences[2]["id"])
        client = ews_client.EwsClient(
            server.endpoint,
            server.username,
            server.password,
            auth_type="basic",
            max_wait=0,
        )
        items, _state, _done = client.sync_page(BOX, "calendar", None)
        assert [i["type"] for i in items] == ["RecurringMaster"]  # no occurrences
        master = items[0]
        assert master["recurrence"]["range"] == {
            "type": "numbered",
            "startDate": "2026-06-01",
            "numberOfOccurrences": 4,
        }
        assert master["recurrence"]["pattern"]["daysOfWeek"] == ["monday"]
        assert master["deleted_occurrences"] == [datetime(2026, 6, 15, 8)]
        assert [o["id"] for o in master["modified_occurrences"]] == [
            occurrences[1]["id"]
        ]
        assert master["last_occurrence_end"] == datetime(2026, 6, 22, 9)
        found = client.list_series_instances(
            BOX, datetime(2026, 5, 1), datetime(2026, 7, 1), uids={master["uid"]}
        )
        assert [(i["type"], i["start"]) for i in found] == [
            ("Occurrence", datetime(2026, 6, 1, 8)),
            ("Exception", datetime(2026, 6, 8, 10)),
            ("Occurrence", datetime(2026, 6, 22, 8)),
        ]
        assert found[1]["original_start"] == datetime(2026, 6, 8, 8)
        assert client.master_of(BOX, found[0]["id"])["id"] == master_id
        assert (
            client.list_series_instances(
                BOX, datetime(2026, 5, 1), datetime(2026, 7, 1), uids={"other"}
            )
            == []
        )
