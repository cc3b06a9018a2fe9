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
