import csv
import io

from tests.unit.svc import load

history_csv = load("consent_management", "history_csv")


def parse(text):
    return list(csv.reader(io.StringIO(text)))


def test_header_and_rows_in_given_order():
    rows = [
        {"date": "2026-01-01 10:00:00", "event_type": "Granted", "source": "Web form"},
        {"date": "2026-02-01 10:00:00", "event_type": "Withdrawn", "source": "Portal"},
    ]
    table = parse(history_csv.build_csv(rows))
    assert table[0][0] == "Date (UTC)"
    assert len(table[0]) == len(history_csv.COLUMNS)
    assert [(r[0], r[2], r[5]) for r in table[1:]] == [
        ("2026-01-01 10:00:00", "Granted", "Web form"),
        ("2026-02-01 10:00:00", "Withdrawn", "Portal"),
    ]


def test_translated_headers():
    table = parse(
        history_csv.build_csv([], {"date": "Dato (UTC)", "purpose": "Formål"})
    )
    assert table[0][:2] == ["Dato (UTC)", "Formål"]
    assert table[0][2] == "Event"


def test_empty_values_and_formula_injection():
    rows = [
        {
            "date": "2026-01-01",
            "ip_address": False,
            "user_agent": None,
            "consent_text": "=cmd|' /C calc'!A0",
            "description": "+31 6 1234",
        }
    ]
    row = parse(history_csv.build_csv(rows))[1]
    assert row[7] == "" and row[8] == ""
    assert row[10] == "'=cmd|' /C calc'!A0"
    assert row[11] == "'+31 6 1234"


def test_commas_quotes_and_newlines_survive():
    text = 'Yes, I agree to "news"\nand offers'
    row = parse(history_csv.build_csv([{"consent_text": text}]))[1]
    assert row[10] == text
