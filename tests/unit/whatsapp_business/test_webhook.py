import json

from tests.unit.svc import load

webhook = load("whatsapp_business", "webhook")

SECRET = "app-secret"


def envelope(value, field="messages"):
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "102290129340398", "changes": [{"field": field, "value": value}]}
        ],
    }


META = {"display_phone_number": "4570203040", "phone_number_id": "106540352242922"}


def test_signature_roundtrip():
    body = b'{"a": 1}'
    header = webhook.compute_signature(SECRET, body)
    assert header.startswith("sha256=") and len(header) == 71
    assert webhook.verify_signature(SECRET, body, header)
    assert webhook.verify_signature(
        SECRET, body, header.upper().replace("SHA256", "sha256")
    )


def test_signature_refusals():
    body = b'{"a": 1}'
    good = webhook.compute_signature(SECRET, body)
    assert not webhook.verify_signature(SECRET, body + b" ", good)
    assert not webhook.verify_signature("other", body, good)
    assert not webhook.verify_signature(None, body, good)
    assert not webhook.verify_signature("", body, good)
    assert not webhook.verify_signature(SECRET, body, None)
    assert not webhook.verify_signature(SECRET, body, good[7:])
    assert not webhook.verify_signature(SECRET, body, "sha256=zz")


def test_challenge():
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"}
    assert webhook.verify_challenge(params, ["x", "tok"]) == "42"
    assert webhook.verify_challenge(params, ["x"]) is None
    assert (
        webhook.verify_challenge({**params, "hub.mode": "unsubscribe"}, ["tok"]) is None
    )
    assert webhook.verify_challenge({**params, "hub.verify_token": ""}, [""]) is None


def test_parse_text_message():
    payload = envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": META,
            "contacts": [{"profile": {"name": "Jens"}, "wa_id": "4512345678"}],
            "messages": [
                {
                    "from": "4512345678",
                    "id": "wamid.IN1",
                    "timestamp": "1767225600",
                    "type": "text",
                    "text": {"body": "Hej"},
                    "context": {"id": "wamid.OUT1"},
                }
            ],
        }
    )
    msg = webhook.parse_payload(payload)["messages"][0]
    assert msg["wamid"] == "wamid.IN1"
    assert msg["phone"] == "4512345678"
    assert msg["user_id"] is None
    assert msg["profile_name"] == "Jens"
    assert msg["body"] == "Hej"
    assert msg["context_id"] == "wamid.OUT1"
    assert msg["timestamp"].isoformat() == "2026-01-01T00:00:00"
    assert msg["waba_id"] == "102290129340398"


def test_parse_bsuid_sender_without_phone():
    payload = envelope(
        {
            "metadata": META,
            "contacts": [
                {"profile": {"name": "Anon"}, "user_id": "BR.1502576394655843"}
            ],
            "messages": [
                {
                    "from": "BR.1502576394655843",
                    "id": "wamid.IN2",
                    "timestamp": "1767225600",
                    "type": "image",
                    "image": {"id": "m1", "mime_type": "image/jpeg", "caption": "Foto"},
                }
            ],
        }
    )
    msg = webhook.parse_payload(payload)["messages"][0]
    assert msg["phone"] is None
    assert msg["user_id"] == "BR.1502576394655843"
    assert msg["media"]["id"] == "m1"
    assert msg["body"] == "Foto"


def test_parse_statuses_with_pricing_and_errors():
    payload = envelope(
        {
            "metadata": META,
            "statuses": [
                {
                    "id": "wamid.OUT1",
                    "status": "delivered",
                    "timestamp": "1767225600",
                    "recipient_id": "4512345678",
                    "pricing": {
                        "billable": True,
                        "pricing_model": "PMP",
                        "category": "marketing",
                        "type": "regular",
                    },
                },
                {
                    "id": "wamid.OUT2",
                    "status": "failed",
                    "timestamp": "1767225601",
                    "errors": [
                        {
                            "code": 131026,
                            "title": "Message undeliverable",
                            "message": "Message undeliverable",
                            "error_data": {"details": "Receiver is incapable"},
                        }
                    ],
                },
            ],
        }
    )
    first, second = webhook.parse_payload(payload)["statuses"]
    assert first["pricing_category"] == "marketing"
    assert first["billable"] is True
    assert first["pricing_model"] == "PMP"
    assert second["status"] == "failed"
    assert second["error"] == "(#131026) Message undeliverable: Receiver is incapable"
    assert second["billable"] is None


def test_parse_ignores_other_objects_and_template_updates():
    assert webhook.parse_payload({"object": "page"})["messages"] == []
    assert webhook.parse_payload("junk")["statuses"] == []
    updates = webhook.parse_payload(
        envelope(
            {
                "event": "REJECTED",
                "message_template_id": 1004,
                "message_template_name": "draft_news",
                "message_template_language": "nl",
                "reason": "INCORRECT_CATEGORY",
            },
            field="message_template_status_update",
        )
    )["template_updates"]
    assert updates == [
        {
            "waba_id": "102290129340398",
            "template_id": "1004",
            "name": "draft_news",
            "language": "nl",
            "status": "rejected",
            "reason": "INCORRECT_CATEGORY",
            "detail": None,
        }
    ]


def test_parse_paused_template_and_quality_update():
    paused = webhook.parse_payload(
        envelope(
            {
                "event": "PAUSED",
                "message_template_id": 1002,
                "message_template_name": "spring_offer",
                "message_template_language": "da",
                "reason": "NONE",
                "other_info": {
                    "title": "FIRST_PAUSE",
                    "description": "Paused for 3 hours\x00 due to low quality.",
                },
            },
            field="message_template_status_update",
        )
    )["template_updates"][0]
    assert paused["status"] == "paused"
    assert paused["reason"] is None  # Meta's "NONE"
    assert paused["detail"] == "Paused for 3 hours due to low quality."
    title_only = webhook.parse_payload(
        envelope(
            {"event": "PAUSED", "message_template_id": 1, "other_info": "junk"},
            field="message_template_status_update",
        )
    )["template_updates"][0]
    assert title_only["detail"] is None
    quality = webhook.parse_payload(
        envelope(
            {
                "previous_quality_score": "GREEN",
                "new_quality_score": "YELLOW",
                "message_template_id": 1002,
                "message_template_name": "spring_offer",
                "message_template_language": "da",
            },
            field="message_template_quality_update",
        )
    )["template_updates"]
    assert quality == [
        {
            "waba_id": "102290129340398",
            "template_id": "1002",
            "name": "spring_offer",
            "language": "da",
            "quality": "yellow",
        }
    ]
    junk = webhook.parse_payload(
        envelope(
            {"new_quality_score": ["RED"], "message_template_id": 1002},
            field="message_template_quality_update",
        )
    )["template_updates"][0]
    assert junk["quality"] == ""


def test_other_message_kinds_have_text():
    base = {"from": "4512345678", "id": "x", "timestamp": "1"}
    cases = [
        ({"type": "button", "button": {"text": "Stop"}}, "Stop"),
        (
            {"type": "interactive", "interactive": {"button_reply": {"title": "Ja"}}},
            "Ja",
        ),
        ({"type": "reaction", "reaction": {"emoji": "👍"}}, "👍"),
        (
            {"type": "location", "location": {"latitude": 55.6, "longitude": 12.5}},
            "55.6, 12.5",
        ),
    ]
    for extra, text in cases:
        payload = envelope({"metadata": META, "messages": [{**base, **extra}]})
        assert webhook.parse_payload(payload)["messages"][0]["body"] == text
    assert json.dumps(webhook.parse_payload(payload), default=str)


def test_status_moves_forward_only():
    forward = webhook.status_moves_forward
    assert forward("outgoing", "sent")
    assert forward("sent", "delivered")
    assert forward("sent", "read")
    assert not forward("read", "delivered")
    assert not forward("delivered", "delivered")
    assert forward("delivered", "failed")
    assert not forward("read", "failed")
    assert not forward("failed", "read")


def test_parse_template_category_update():
    updates = webhook.parse_payload(
        envelope(
            {
                "message_template_id": 1001,
                "message_template_name": "order_update",
                "message_template_language": "da",
                "previous_category": "UTILITY",
                "new_category": "MARKETING",
            },
            field="template_category_update",
        )
    )["template_updates"]
    assert updates[0]["template_id"] == "1001"
    assert updates[0]["category"] == "marketing"
    assert "status" not in updates[0]


def test_signature_compared_in_constant_time(monkeypatch):
    compared = []
    real = webhook.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhook.hmac, "compare_digest", spy)
    body = b'{"a": 1}'
    good = webhook.compute_signature(SECRET, body)
    assert webhook.verify_signature(SECRET, body, good)
    assert not webhook.verify_signature(SECRET, body, good[:-1] + "0")
    assert len(compared) == 2, "every well-formed header goes through compare_digest"


def test_odd_shapes_and_nul_bytes():
    assert (
        webhook.parse_payload({"object": "whatsapp_business_account", "entry": "x"})[
            "messages"
        ]
        == []
    )
    parsed = webhook.parse_payload(
        envelope(
            {
                "metadata": META,
                "contacts": "x",
                "messages": [
                    {"id": ["a"], "from": {}, "type": "text", "text": "x"},
                    {
                        "id": "w\x001",
                        "from": "4512345678",
                        "type": "text",
                        "text": {"body": "Hej\x00"},
                        "timestamp": "99999999999999999",
                    },
                ],
                "statuses": [{"id": 5, "status": ["read"], "errors": "x"}],
            }
        )
    )
    first, second = parsed["messages"]
    assert first["wamid"] is None and first["body"] == ""
    assert second["wamid"] == "w1" and second["body"] == "Hej"
    assert second["timestamp"] is None
    assert parsed["statuses"][0]["wamid"] == "5"
    assert parsed["statuses"][0]["status"] is None


def test_challenge_must_be_a_short_token():
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok"}
    assert (
        webhook.verify_challenge({**params, "hub.challenge": "<b>x</b>"}, ["tok"])
        is None
    )
    assert (
        webhook.verify_challenge({**params, "hub.challenge": "1" * 200}, ["tok"])
        is None
    )
    assert not webhook.is_valid_param("a\x00b")
    assert not webhook.is_valid_param("x" * 300)
    assert webhook.is_valid_param("é")
