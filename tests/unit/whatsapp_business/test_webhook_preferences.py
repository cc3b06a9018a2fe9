"""user_preferences notifications, status error codes and every inbound type
normalised without Odoo (whatsapp_business/services/webhook.py)."""

from tests.unit.svc import load

webhook = load("whatsapp_business", "webhook")
client = load("whatsapp_business", "client")

META = {"display_phone_number": "4570203040", "phone_number_id": "106540352242922"}


def envelope(value, field):
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "102290129340398", "changes": [{"field": field, "value": value}]}
        ],
    }


def preference(value, category="marketing_messages", wa_id="4512345678"):
    return envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": META,
            "contacts": [{"profile": {"name": "Jens"}, "wa_id": wa_id}],
            "user_preferences": [
                {
                    "wa_id": wa_id,
                    "detail": f"User requested to {value} marketing messages",
                    "category": category,
                    "value": value,
                    "timestamp": 1767225600,
                }
            ],
        },
        "user_preferences",
    )


def test_stop_and_resume_are_parsed():
    for value in ("stop", "resume"):
        (item,) = webhook.parse_payload(preference(value))["preferences"]
        assert item["value"] == value
        assert item["phone"] == "4512345678"
        assert item["phone_number_id"] == "106540352242922"
        assert item["profile_name"] == "Jens"
        assert item["detail"] == f"User requested to {value} marketing messages"
        assert item["timestamp"].isoformat() == "2026-01-01T00:00:00"


def test_other_preferences_are_ignored():
    assert not webhook.parse_payload(preference("stop", category="offers"))[
        "preferences"
    ]
    assert not webhook.parse_payload(preference("interested"))["preferences"]
    odd = preference("stop")
    odd["entry"][0]["changes"][0]["value"]["user_preferences"] = ["stop", None, 3]
    assert webhook.parse_payload(odd)["preferences"] == []


def test_preference_of_a_username_user():
    payload = preference("stop", wa_id="DK.1502576394655843")
    (item,) = webhook.parse_payload(payload)["preferences"]
    assert item["phone"] is None
    assert item["user_id"] == "DK.1502576394655843"


def test_status_error_codes():
    payload = envelope(
        {
            "metadata": META,
            "statuses": [
                {
                    "id": "wamid.X",
                    "status": "failed",
                    "timestamp": "1767225600",
                    "recipient_id": "4512345678",
                    "errors": [
                        {"code": 131050, "title": "Marketing stopped"},
                        {"code": "131049", "title": "Limit"},
                        {"code": True, "title": "odd"},
                    ],
                }
            ],
        },
        "messages",
    )
    (status,) = webhook.parse_payload(payload)["statuses"]
    assert status["error_codes"] == [131050, 131049]


def message_body(kind, content=None, **extra):
    message = {"from": "4512345678", "id": f"wamid.{kind}", "type": kind}
    if content is not None:
        message[kind] = content
    message.update(extra)
    payload = envelope(
        {"metadata": META, "contacts": [], "messages": [message]}, "messages"
    )
    return webhook.parse_payload(payload)["messages"][0]["body"]


def test_bodies_of_every_type():
    assert message_body("sticker", {"id": "1", "mime_type": "image/webp"}) == ""
    assert message_body("button", {"payload": "p-1"}) == "p-1"
    assert (
        message_body(
            "interactive",
            {
                "type": "list_reply",
                "list_reply": {"id": "a", "title": "Tirsdag", "description": "10-12"},
            },
        )
        == "Tirsdag\n10-12"
    )
    assert (
        message_body(
            "interactive",
            {"type": "nfm_reply", "nfm_reply": {"body": "Sent", "name": "flow"}},
        )
        == "Sent"
    )
    assert message_body(
        "order",
        {
            "catalog_id": "1",
            "text": "Fredag",
            "product_items": [
                {
                    "product_retailer_id": "SKU",
                    "quantity": 2,
                    "item_price": 9.5,
                    "currency": "DKK",
                },
                {"product_retailer_id": "FREE", "quantity": "1"},
                "junk",
            ],
        },
    ) == ("2 × SKU (9.5 DKK)\n1 × FREE\nFredag")
    assert (
        message_body("system", {"body": "Number changed", "type": "x"})
        == "Number changed"
    )
    assert (
        message_body(
            "unsupported",
            None,
            errors=[
                {
                    "code": 131051,
                    "title": "Message type unknown",
                    "error_data": {"details": "Not supported."},
                }
            ],
        )
        == "(#131051) Message type unknown: Not supported."
    )


def test_transient_and_acted_on_codes():
    for code in (131000, 131056, 130429):
        assert code in client.RETRYABLE_META_CODES
    for code in (131047, 131049, 131050):
        assert code not in client.RETRYABLE_META_CODES
    assert client.error_text({"code": 131050, "message": "(#131050) Unable"}) == (
        "(#131050) Unable"
    )
