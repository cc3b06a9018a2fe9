from nordic_crm_fakes.meta_graph import sample_templates

from tests.unit.svc import load

template = load("whatsapp_business", "template")


def test_placeholders():
    assert template.placeholders("Hej {{2}} og {{ 1 }} {{2}}") == [1, 2]
    assert template.placeholders("") == []
    assert template.placeholders(None) == []


def test_render_keeps_missing_visible():
    assert template.render("Hej {{1}}, {{2}}", {1: "Jens"}) == "Hej Jens, {{2}}"
    assert template.render("{{1}}", {1: 42}) == "42"


def test_build_components_orders_by_placeholder():
    components = template.build_components({2: "b", 1: "a"}, {1: "SO1"})
    assert components == [
        {"type": "header", "parameters": [{"type": "text", "text": "SO1"}]},
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "a"},
                {"type": "text", "text": "b"},
            ],
        },
    ]
    assert template.build_components({}, {}) == []


def test_parse_template():
    parsed = template.parse_template(sample_templates()[0])
    assert parsed["meta_id"] == "1001"
    assert parsed["category"] == "utility"
    assert parsed["status"] == "approved"
    assert parsed["header_text"] == "Ordre {{1}}"
    assert parsed["header_examples"] == ["SO042"]
    assert parsed["body_examples"] == ["Jens", "12.06"]
    assert parsed["footer"] == "Nordlys ApS"
    assert parsed["buttons"][0]["button_type"] == "url"
    odd = template.parse_template({"id": 1, "category": "X", "status": "WEIRD"})
    assert odd["category"] == "utility" and odd["status"] == "pending"


def test_media_header_goes_first_and_replaces_a_text_header():
    body = {"type": "body", "parameters": [{"type": "text", "text": "Jens"}]}
    stale = {"type": "header", "parameters": [{"type": "text", "text": "x"}]}
    components = template.with_media_header([stale, body], "image", "m1")
    assert components == [
        {"type": "header", "parameters": [{"type": "image", "image": {"id": "m1"}}]},
        body,
    ]


def test_document_header_carries_its_file_name():
    [header] = template.with_media_header([], "document", "m2", "katalog.pdf")
    assert header["parameters"][0] == {
        "type": "document",
        "document": {"id": "m2", "filename": "katalog.pdf"},
    }
    # images and videos have no file name in Meta's schema
    [header] = template.with_media_header([], "video", "m3", "film.mp4")
    assert header["parameters"][0] == {"type": "video", "video": {"id": "m3"}}


def test_media_header_types_follow_meta():
    assert template.MEDIA_HEADER_TYPES["image"] == ("image/jpeg", "image/png")
    assert "application/pdf" in template.MEDIA_HEADER_TYPES["document"]
    assert "location" not in template.MEDIA_HEADER_TYPES


def test_parse_buttons_keep_examples_and_otp_type():
    parsed = template.parse_template(sample_templates()[0])
    assert parsed["buttons"][0]["example"] == "SO042"  # the suffix of the example
    auth = template.parse_template(sample_templates()[2])
    assert auth["buttons"][0]["button_type"] == "otp"
    assert auth["buttons"][0]["otp_type"] == "copy_code"
    assert template.url_suffix_example("https://x/{{1}}", "https://y/z") == (
        "https://y/z"
    )
    quality = template.parse_template(
        {"id": 1, "quality_score": {"score": "RED"}, "rejected_reason": "NONE"}
    )
    assert quality["quality"] == "red" and quality["reason"] is False


def test_dynamic_buttons():
    assert template.button_is_dynamic({"button_type": "url", "url": "https://a/{{1}}"})
    assert not template.button_is_dynamic({"button_type": "url", "url": "https://a"})
    assert template.button_is_dynamic({"button_type": "copy_code"})
    assert template.button_is_dynamic({"button_type": "otp"})
    assert not template.button_is_dynamic({"button_type": "quick_reply"})


def test_build_components_with_buttons_and_location():
    components = template.build_components(
        {1: "123456"},
        {},
        {0: ("otp", "123456"), 2: ("copy_code", "SAVE")},
        location={"latitude": "55.6", "longitude": "12.5", "name": False},
    )
    assert components == [
        {
            "type": "header",
            "parameters": [
                {
                    "type": "location",
                    "location": {"latitude": "55.6", "longitude": "12.5"},
                }
            ],
        },
        {"type": "body", "parameters": [{"type": "text", "text": "123456"}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "123456"}],
        },
        {
            "type": "button",
            "sub_type": "copy_code",
            "index": "2",
            "parameters": [{"type": "coupon_code", "coupon_code": "SAVE"}],
        },
    ]


def test_fake_meta_checks_components_like_meta():
    from nordic_crm_fakes.meta_graph import check_components

    order, _offer, login = sample_templates()[:3]
    header = {"type": "header", "parameters": [{"type": "text", "text": "SO1"}]}
    body = {
        "type": "body",
        "parameters": [{"type": "text", "text": "J"}, {"type": "text", "text": "x"}],
    }
    button = {
        "type": "button",
        "sub_type": "url",
        "index": "0",
        "parameters": [{"type": "text", "text": "SO1"}],
    }
    assert check_components(order, [header, body, button]) is None
    assert check_components(order, [header, body])[0] == 132000
    assert check_components(order, [body, button])[0] == 132000
    assert (
        check_components(order, [header, body, button, dict(button, index="5")])[0]
        == 132000
    )
    empty = {"type": "body", "parameters": [{"type": "text", "text": " "}] * 2}
    assert check_components(order, [header, empty, button])[0] == 132012
    code = {"type": "body", "parameters": [{"type": "text", "text": "123456"}]}
    otp = dict(button, parameters=[{"type": "text", "text": "123456"}])
    assert check_components(login, [code, otp]) is None
    assert check_components(login, [code])[0] == 132000
    assert check_components(login, [code, dict(otp, sub_type="copy_code")])[0] == (
        132012
    )
    assert check_components(login, "junk")[0] == 132012
