import pytest
from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.meta_graph import TOKEN, FakeMetaGraph, meta_error

from tests.unit.svc import load

client_mod = load("whatsapp_business", "client")


@pytest.fixture
def fake():
    with FakeMetaGraph() as server:
        yield server


def make_client(fake, **kw):
    params = {
        "token": TOKEN,
        "phone_number_id": fake.phone_number_id,
        "business_account_id": fake.waba_id,
        "base_url": fake.url,
        "api_version": "v23.0",
        "timeout": 2,
    }
    params.update(kw)
    return client_mod.WhatsAppClient(**params)


def test_send_text_posts_documented_shape(fake):
    wamid = make_client(fake).send_text("4512345678", "Hej", reply_to="wamid.IN1")
    assert wamid.startswith("wamid.FAKE")
    body = fake.sent[-1]
    assert body["to"] == "4512345678"
    assert body["type"] == "text"
    assert body["text"]["body"] == "Hej"
    assert body["context"] == {"message_id": "wamid.IN1"}
    assert fake.calls("POST")[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_send_template_with_components(fake):
    # as Meta, the fake wants every parameter of the approved template
    components = [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Jens"},
                {"type": "text", "text": "20%"},
            ],
        }
    ]
    make_client(fake).send_template("4512345678", "spring_offer", "da", components)
    template = fake.sent[-1]["template"]
    assert template["name"] == "spring_offer"
    assert template["language"] == {"code": "da"}
    assert template["components"] == components


def test_version_without_v_prefix(fake):
    client = make_client(fake, api_version="23.0")
    assert client.send_text("4512345678", "x")


def test_list_templates_follows_paging(fake):
    templates = make_client(fake).list_templates(page_size=2)
    assert [t["id"] for t in templates] == ["1001", "1002", "1003", "1004", "1005"]
    assert len(fake.calls("GET", fake.templates_path)) == 3


def test_media_download(fake):
    fake.add_media("m1", b"\x89PNGdata", "image/png")
    content, mime = make_client(fake).download_media("m1")
    assert content == b"\x89PNGdata"
    assert mime == "image/png"


def test_phone_number(fake):
    assert make_client(fake).get_phone_number()["verified_name"] == "Nordlys ApS"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_retryable(fake, status):
    fake.queue("POST", fake.messages_path, Reply(status, meta_error(2, "Down")))
    with pytest.raises(client_mod.RetryableError):
        make_client(fake).send_text("4512345678", "x")


def test_throttling_code_in_400_is_retryable(fake):
    fake.queue(
        "POST", fake.messages_path, Reply(400, meta_error(130429, "Rate limit hit"))
    )
    with pytest.raises(client_mod.RetryableError):
        make_client(fake).send_text("4512345678", "x")


def test_timeout_is_retryable(fake):
    fake.queue("POST", fake.messages_path, Reply(200, {}, delay=1.5))
    with pytest.raises(client_mod.RetryableError) as err:
        make_client(fake, timeout=0.3).send_text("4512345678", "x")
    assert "in time" in str(err.value)


def test_unreachable_is_retryable():
    client = client_mod.WhatsAppClient(
        "t", "1", base_url="http://127.0.0.1:9", timeout=1
    )
    with pytest.raises(client_mod.RetryableError):
        client.send_text("4512345678", "x")


def test_4xx_is_permanent_with_meta_reason(fake):
    fake.queue(
        "POST",
        fake.messages_path,
        Reply(
            400,
            meta_error(
                131047,
                "Re-engagement message",
                "More than 24 hours have passed since the recipient last replied",
            ),
        ),
    )
    with pytest.raises(client_mod.PermanentError) as err:
        make_client(fake).send_text("4512345678", "x")
    assert err.value.code == 131047
    assert "More than 24 hours" in str(err.value)
    assert not err.value.retryable


def test_bad_token_is_permanent(fake):
    with pytest.raises(client_mod.PermanentError) as err:
        make_client(fake, token="wrong").get_phone_number()
    assert err.value.status == 401
    assert "Invalid OAuth" in err.value.message


def test_missing_token_refused_without_http(fake):
    with pytest.raises(client_mod.PermanentError):
        make_client(fake, token="").send_text("4512345678", "x")
    assert not fake.requests


def test_upload_and_send_document(fake):
    client = make_client(fake)
    media_id = client.upload_media(b"%PDF-1.4", "application/pdf", "tilbud.pdf")
    assert media_id == "upload-1"
    assert b'filename="tilbud.pdf"' in fake.uploads[0]
    client.send_media("4512345678", "document", media_id, "Tilbud", "tilbud.pdf")
    assert fake.sent[-1]["type"] == "document"
    assert fake.sent[-1]["document"] == {
        "id": "upload-1",
        "caption": "Tilbud",
        "filename": "tilbud.pdf",
    }


def test_audio_has_no_caption(fake):
    make_client(fake).send_media("4512345678", "audio", "m9", caption="x")
    assert fake.sent[-1]["audio"] == {"id": "m9"}


def test_media_kind():
    assert client_mod.media_kind("image/png") == "image"
    assert client_mod.media_kind("image/gif") == "document"
    assert client_mod.media_kind("video/mp4") == "video"
    assert client_mod.media_kind("audio/ogg; codecs=opus") == "audio"
    assert client_mod.media_kind("application/pdf") == "document"
    assert client_mod.media_kind(None) == "document"


# -- where the token may go (issue 14, case 5) --------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
        "https://graph.facebook.com/v23.0/123",
        "https://scontent.xx.fbcdn.net/v/t61/abc.jpg",
        "https://SCONTENT-CPH2-1.XX.FBCDN.NET/x",
    ],
)
def test_meta_media_hosts(url):
    assert client_mod.is_meta_media_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://lookaside.fbsbx.com/x",  # clear text
        "https://lookaside.fbsbx.com:8443/x",
        "https://fbcdn.net.evil.example/x",
        "https://evilfbcdn.net/x",
        "https://lookaside.fbsbx.com@evil.example/x",
        "https://evil.example/?u=https://lookaside.fbsbx.com",
        "https://lookaside.fbsbx.com\x00.evil/x",
        "//lookaside.fbsbx.com/x",
        "",
        None,
        ["https://lookaside.fbsbx.com/"],
    ],
)
def test_other_media_hosts_refused(url):
    assert not client_mod.is_meta_media_url(url)


def test_base_url_rules():
    assert client_mod.base_url_problem("https://graph.facebook.com") is None
    assert client_mod.base_url_problem("http://127.0.0.1:8069") is None
    assert client_mod.base_url_problem("http://graph.facebook.com")
    assert client_mod.base_url_problem("https://a@graph.facebook.com")
    assert client_mod.base_url_problem("https://graph.facebook.com/?x=1")
    assert client_mod.base_url_problem("file:///etc/passwd")
    assert client_mod.api_version_problem("v23.0") is None
    assert client_mod.api_version_problem("23.0") is None
    assert client_mod.api_version_problem("v23.0/../x")
    assert client_mod.api_version_problem(None)


def test_media_download_from_another_host_is_not_followed(fake):
    with FakeMetaGraph(token="anything") as attacker:
        fake.add_media("m2", b"data", "image/png", url=f"{attacker.url}/media/m2")
        with pytest.raises(client_mod.PermanentError) as err:
            make_client(fake).download_media("m2")
        assert "not on Meta's hosts" in str(err.value)
        assert not attacker.requests


def test_api_calls_never_leave_the_configured_host(fake):
    client = make_client(fake)
    with FakeMetaGraph(token="anything") as attacker:
        with pytest.raises(client_mod.PermanentError):
            client._request("GET", f"{attacker.url}/v23.0/1")
        # a media host is good for downloads only, not for API calls
        with pytest.raises(client_mod.PermanentError):
            client._request("GET", "https://lookaside.fbsbx.com/x")
        assert not attacker.requests
    assert not fake.requests
