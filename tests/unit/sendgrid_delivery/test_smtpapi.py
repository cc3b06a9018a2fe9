"""The X-SMTPAPI header: strings only, ASCII, foldable within SendGrid's limits."""

import json

import pytest

from tests.unit.svc import load

smtpapi = load("sendgrid_delivery", "smtpapi")


def test_unique_args_are_strings_and_no_pii():
    data = smtpapi.build(db="nordlys", mail_id=12, message_id=30, trace_id=7)
    assert data["unique_args"] == {
        "odoo_db": "nordlys",
        "odoo_mail_id": "12",
        "odoo_message_id": "30",
        "odoo_trace_id": "7",
    }
    assert all(isinstance(v, str) for v in data["unique_args"].values())


def test_tracking_filters_follow_settings():
    data = smtpapi.build(db="x", click_tracking=False, open_tracking=True)
    assert data["filters"]["clicktrack"]["settings"] == {"enable": 0, "enable_text": 0}
    assert data["filters"]["opentrack"]["settings"] == {"enable": 1}


def test_non_ascii_is_escaped():
    value = smtpapi.header_value(db="ødegård")
    assert value.isascii()
    assert json.loads(value)["unique_args"]["odoo_db"] == "ødegård"


@pytest.mark.parametrize("limit", [40, 78, 998])
def test_fold_respects_limit_and_unfolds(limit):
    value = smtpapi.dumps(
        smtpapi.build(
            db="a" * 30, mail_id=1, categories=["c%03d" % i for i in range(300)]
        )
    )
    folded = smtpapi.fold(value, limit=limit)
    lines = folded.split("\r\n")
    assert len("X-SMTPAPI: " + lines[0]) <= limit
    assert all(len(line) <= limit for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert smtpapi.parse(folded) == json.loads(value)


def test_unfoldable_token_and_missing_db_refused():
    with pytest.raises(smtpapi.SmtpApiError):
        smtpapi.fold("x" * 2000)
    with pytest.raises(smtpapi.SmtpApiError):
        smtpapi.build(db="")
    with pytest.raises(smtpapi.SmtpApiError):
        smtpapi.build(db="d" * 10_001)
