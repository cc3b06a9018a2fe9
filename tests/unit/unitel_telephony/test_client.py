import json

import pytest
from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.originate import ORIGINATE_PATH, FakeOriginate

from tests.unit.svc import load

client_mod = load("unitel_telephony", "client")

BODY = '{"from": "{from}", "to": "{to}"}'


@pytest.fixture
def fake():
    with FakeOriginate(token="tok-123") as server:
        yield server


def make_client(fake, **kwargs):
    options = {
        "url": fake.originate_url,
        "method": "POST",
        "headers": "Authorization: Bearer {token}",
        "token": "tok-123",
        "body_template": BODY,
        "success_path": "success",
        "error_path": "error.message",
        "timeout": 2,
    }
    options.update(kwargs)
    return client_mod.OriginateClient(**options)


def test_originate_success_sends_template_and_token(fake):
    result = make_client(fake).originate("201", "+4512345678")
    assert result.status == 200
    assert client_mod.json_path(result.payload, "call.id") == "call-1"
    (request,) = fake.calls("POST", ORIGINATE_PATH)
    assert request.json() == {"from": "201", "to": "+4512345678"}
    assert request.headers["authorization"] == "Bearer tok-123"
    assert request.headers["content-type"] == "application/json"
    # the token is masked in what the caller may log
    assert result.request["headers"]["Authorization"] == "***"


def test_wrong_token_is_a_client_error_in_plain_words(fake):
    with pytest.raises(client_mod.OriginateError) as info:
        make_client(fake, token="wrong").originate("201", "+4512345678")
    assert info.value.kind == "client_error"
    assert info.value.status == 401
    assert str(info.value) == (
        "The telephony server refused the call (HTTP 401): Invalid token"
    )
    assert "wrong" not in str(info.value)


def test_server_error(fake):
    fake.queue("POST", ORIGINATE_PATH, Reply(503, {"error": {"message": "PBX down"}}))
    with pytest.raises(client_mod.OriginateError) as info:
        make_client(fake).originate("201", "+4512345678")
    assert info.value.kind == "server_error"
    assert info.value.status == 503
    assert "PBX down" in str(info.value)


def test_server_error_with_html_body_does_not_quote_html(fake):
    fake.queue("POST", ORIGINATE_PATH, Reply(500, "<html><body>Oops</body></html>"))
    with pytest.raises(client_mod.OriginateError) as info:
        make_client(fake).originate("201", "+4512345678")
    assert "<html>" not in str(info.value)


def test_timeout(fake):
    fake.queue("POST", ORIGINATE_PATH, Reply(200, {"success": True}, delay=1.5))
    with pytest.raises(client_mod.OriginateError) as info:
        make_client(fake, timeout=0.5).originate("201", "+4512345678")
    assert info.value.kind == "timeout"
    assert "did not answer within 0.5 seconds" in str(info.value)


def test_connection_refused():
    server = FakeOriginate().start()
    url = server.originate_url
    server.stop()
    client = client_mod.OriginateClient(url=url, body_template=BODY, timeout=1)
    with pytest.raises(client_mod.OriginateError) as info:
        client.originate("201", "+4512345678")
    assert info.value.kind == "connection"
    assert info.value.reason == "refused"
    assert info.value.params["host"].startswith("127.0.0.1:")
    assert "refused the connection" in str(info.value)


def test_success_path_false_is_rejected(fake):
    fake.queue(
        "POST",
        ORIGINATE_PATH,
        Reply(200, {"success": False, "error": {"message": "Extension busy"}}),
    )
    with pytest.raises(client_mod.OriginateError) as info:
        make_client(fake).originate("201", "+4512345678")
    assert info.value.kind == "rejected"
    assert "Extension busy" in str(info.value)


def test_success_value_must_match(fake):
    client = make_client(fake, success_path="call.state", success_value="ringing")
    assert client.originate("201", "+4512345678").status == 200
    client = make_client(fake, success_path="call.state", success_value="answered")
    with pytest.raises(client_mod.OriginateError) as info:
        client.originate("201", "+4512345678")
    assert info.value.kind == "rejected"


def test_missing_success_path_is_a_bad_response(fake):
    with pytest.raises(client_mod.OriginateError) as info:
        make_client(fake, success_path="result.ok").originate("201", "+4512345678")
    assert info.value.kind == "bad_response"


def test_get_method_puts_placeholders_in_the_url(fake):
    fake.queue("GET", "/dial", Reply(200, {"ok": 1}))
    client = client_mod.OriginateClient(
        url=fake.url + "/dial?ext={from}&number={to}",
        method="GET",
        headers="X-Api-Key: {token}",
        token="k y",
        success_path="ok",
    )
    client.originate("201", "+4512345678")
    (request,) = fake.calls("GET", "/dial")
    assert request.query == {"ext": "201", "number": "+4512345678"}
    assert request.headers["x-api-key"] == "k y"
    assert request.body == b""


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "https://pbx.example/dial?key={token}"},
        {"url": "https://pbx.example/dial/{token}/{to}"},
        {"url": "https://pbx.example/dial?key=pbx-secret-42"},  # typed in literally
        {"url": "https://pbx.example/api", "body_template": '{"key": "{token}"}'},
        {"url": "https://pbx.example/api", "body_template": "key={token}&to={to}"},
    ],
)
def test_token_is_never_put_in_the_url_or_the_body(kwargs):
    client = client_mod.OriginateClient(token="pbx-secret-42", **kwargs)
    with pytest.raises(client_mod.OriginateError) as info:
        client.build_request("201", "+4512345678")
    assert info.value.kind == "not_configured"
    assert info.value.reason == "token_outside_header"
    assert "pbx-secret-42" not in str(info.value)


def test_values_are_substituted_in_one_pass(fake):
    """An own number reading "{token}" is sent as it is, never expanded."""
    client = make_client(fake, headers="Authorization: Bearer {token}\nX-From: {from}")
    request = client.build_request("{token}", "{token}")
    assert json.loads(request["body"]) == {"from": "{token}", "to": "{token}"}
    assert request["headers"]["X-From"] == "{token}"
    assert "tok-123" not in request["body"]
    client = client_mod.OriginateClient(
        url="https://pbx.example/dial?from={from}", method="GET", token="tok-123"
    )
    assert client.build_request("{token}", "+45")["url"].endswith("=%7Btoken%7D")


def test_fake_refuses_the_token_outside_the_header(fake):
    """The fake refuses what a careful PBX refuses: a token in query or body."""
    import requests

    for url, body in (
        (fake.originate_url + "?token=tok-123", b'{"from": "1", "to": "2"}'),
        (fake.originate_url, b'{"from": "1", "to": "2", "token": "tok-123"}'),
    ):
        response = requests.post(
            url,
            data=body,
            headers={"Authorization": "Bearer tok-123"},
            timeout=2,
        )
        assert response.status_code == 400
        assert "Authorization header" in response.json()["error"]["message"]


def test_build_request_escapes_json_and_reads_header_formats():
    client = client_mod.OriginateClient(
        url="https://pbx.example/api",
        headers='{"X-Api-Key": "{token}"}',
        token="t",
        body_template='{"caller": "{from}", "callee": "{to}"}',
    )
    request = client.build_request('20"1', "+4512345678")
    assert json.loads(request["body"]) == {"caller": '20"1', "callee": "+4512345678"}
    assert request["headers"]["X-Api-Key"] == "t"


@pytest.mark.parametrize(
    "kwargs,from_number,fragment,reason",
    [
        ({"url": ""}, "201", "API URL is empty", "no_url"),
        ({"url": "ftp://x"}, "201", "must start with http", "bad_url"),
        (
            {"url": "https://x", "body_template": "{bad"},
            "201",
            "not valid JSON",
            "body_not_json",
        ),
        (
            {"url": "https://x", "headers": "no colon here"},
            "201",
            "Name: value",
            "header_line",
        ),
        ({"url": "https://x"}, "", "own number or extension", "no_own_number"),
    ],
)
def test_configuration_errors_are_explained(kwargs, from_number, fragment, reason):
    client = client_mod.OriginateClient(**kwargs)
    with pytest.raises(client_mod.OriginateError) as info:
        client.build_request(from_number, "+4512345678")
    assert info.value.kind == "not_configured"
    assert info.value.reason == reason  # lets Odoo word it in the user's language
    assert fragment in str(info.value)


def test_json_path_reads_lists():
    assert client_mod.json_path({"a": [{"b": 2}]}, "a.0.b") == 2
    with pytest.raises(KeyError):
        client_mod.json_path({"a": []}, "a.0")
