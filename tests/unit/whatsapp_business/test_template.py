from tests.fakes.meta_graph import sample_templates
from tests.unit.svc import load

template = load("whatsapp_business", "template")


def test_placeholders_and_gaps():
    assert template.placeholders("Hej {{2}} og {{ 1 }} {{2}}") == [1, 2]
    assert template.placeholders("") == []
    assert template.check_placeholders("{{1}} {{3}}") == [2]
    assert template.check_placeholders("{{1}} {{2}}") == []


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
