"""The v3 API client and the suppression lists, against the fake SendGrid."""

import pytest
from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.sendgrid import API_KEY, FakeSendGrid

from tests.unit.svc import load

client = load("sendgrid_delivery", "client")
suppressions = load("sendgrid_delivery", "suppressions")
smtpapi = load("sendgrid_delivery", "smtpapi")


@pytest.fixture
def fake():
    with FakeSendGrid() as server:
        yield server


def test_pages_until_a_short_page(fake):
    for number in range(7):
        fake.add_bounce(f"b{number}@example.com", 1000 + number)
    api = client.SendGridClient(API_KEY, base_url=fake.url, page_size=3)
    entries = api.suppressions("bounces", 1000, 2000)
    assert sorted(e["email"] for e in entries) == [
        f"b{n}@example.com" for n in range(7)
    ]
    offsets = [c.query["offset"] for c in fake.calls("GET", "/v3/suppression/bounces")]
    assert offsets == ["0", "3", "6"]
    assert fake.requests[0].headers["authorization"] == f"Bearer {API_KEY}"


def test_time_window_is_inclusive(fake):
    for created in (99, 100, 150, 200, 201):
        fake.add_spam_report(f"s{created}@example.com", created)
    api = client.SendGridClient(API_KEY, base_url=fake.url)
    emails = {e["email"] for e in api.suppressions("spam_reports", 100, 200)}
    assert emails == {"s100@example.com", "s150@example.com", "s200@example.com"}


def test_wrong_key_and_missing_scope_are_auth_errors(fake):
    with pytest.raises(client.AuthError, match="401: authorization required"):
        client.SendGridClient("SG.wrong", base_url=fake.url).suppressions(
            "bounces", 0, 1
        )
    fake.scopes = set()
    with pytest.raises(client.AuthError, match="403: access forbidden"):
        client.SendGridClient(API_KEY, base_url=fake.url).group_suppressions()
    with pytest.raises(client.AuthError, match="no SendGrid API key"):
        client.SendGridClient("", base_url=fake.url)


@pytest.mark.parametrize(
    "reply, words",
    [
        (Reply(503, "down"), "answered 503"),
        (Reply(500, {"errors": [{"message": "boom"}]}), "500 to /v3/suppression/"),
        (Reply(200, "<html>"), "not JSON"),
        (Reply(200, {"result": []}), "not a list"),
    ],
)
def test_outages_and_broken_answers_raise(fake, reply, words):
    fake.queue("GET", "/v3/suppression/unsubscribes", reply)
    api = client.SendGridClient(API_KEY, base_url=fake.url)
    with pytest.raises(client.SendGridError, match=words) as caught:
        api.suppressions("unsubscribes", 0, 1)
    assert API_KEY not in str(caught.value)


def test_timeout_is_a_sendgrid_error(fake):
    fake.queue("GET", "/v3/suppression/bounces", Reply(200, [], delay=1.5))
    api = client.SendGridClient(API_KEY, base_url=fake.url, timeout=0.5)
    with pytest.raises(client.SendGridError, match="in time"):
        api.suppressions("bounces", 0, 1)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.sendgrid.com",
        "https://user@api.sendgrid.com",
        "https://api.sendgrid.com/?x=1",
        "ftp://api.sendgrid.com",
        "https://api.sendgrid.com\x00",
    ],
)
def test_key_goes_to_https_addresses_only(url):
    assert client.base_url_problem(url)
    with pytest.raises(client.SendGridError):
        client.SendGridClient(API_KEY, base_url=url)


def test_loopback_and_sendgrid_hosts_are_fine():
    assert client.base_url_problem("https://api.eu.sendgrid.com") is None
    assert client.base_url_problem("http://127.0.0.1:8069") is None


def test_entries_become_events_with_stable_ids(fake):
    fake.add_bounce("Anne@Example.com", 1700000000, "550 no such user")
    fake.add_group_suppression(42, "bo@example.com", 1700000100, "Tilbud")
    api = client.SendGridClient(API_KEY, base_url=fake.url)
    bounce = suppressions.to_events(
        "bounces", api.suppressions("bounces", 0, 2**31), "prod"
    )
    assert bounce == suppressions.to_events(
        "bounces", api.suppressions("bounces", 0, 2**31), "prod"
    )
    assert bounce[0]["email"] == "anne@example.com"
    assert bounce[0]["event_type"] == "bounce"
    assert bounce[0]["event_date"] == "2023-11-14 22:13:20"
    assert bounce[0]["source"] == "reconciliation"
    groups = suppressions.to_events(
        "group_suppressions", api.group_suppressions(), "prod"
    )
    assert groups[0]["asm_group_id"] == 42
    assert groups[0]["event_type"] == "group_unsubscribe"
    assert groups[0]["sg_event_id"] != bounce[0]["sg_event_id"]


@pytest.mark.parametrize(
    "entry",
    [
        "anne@example.com",
        {"email": "anne@example.com"},
        {"email": "anne@example.com", "created": "yesterday"},
        {"email": None, "created": 1},
        {"email": "anne@example.com", "created": True},
    ],
)
def test_broken_entries_refuse_the_whole_list(entry):
    with pytest.raises(suppressions.SendGridError):
        suppressions.to_events("spam_reports", [entry], "prod")


def test_group_suppressions_are_filtered_to_the_window():
    entries = [
        {"email": "a@example.com", "group_id": 1, "created_at": 10},
        {"email": "b@example.com", "group_id": 1, "created_at": 20},
        {"email": "c@example.com", "group_id": 1, "created_at": 30},
    ]
    kept = suppressions.in_window(entries, 15, 30)
    assert [e["email"] for e in kept] == ["b@example.com", "c@example.com"]


def test_asm_group_id_in_header():
    value = smtpapi.build(db="prod", mail_id=1, asm_group_id=4242)
    assert value["asm_group_id"] == 4242
    assert "asm_group_id" not in smtpapi.build(db="prod", mail_id=1)
    for bad in (-1, "42", True, 2**31):
        with pytest.raises(smtpapi.SmtpApiError):
            smtpapi.build(db="prod", asm_group_id=bad)
