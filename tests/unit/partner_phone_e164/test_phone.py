import pytest

from tests.unit.svc import load

phone = load("partner_phone_e164", "phone")


@pytest.mark.parametrize(
    "number,region,expected",
    [
        ("+45 12 34 56 78", "DK", "+4512345678"),
        ("004512345678", "DK", "+4512345678"),
        ("12345678", "DK", "+4512345678"),
        ("12 34 56 78", "dk", "+4512345678"),
        ("+31 6 1234 5678", "DK", "+31612345678"),
        ("0031612345678", "DK", "+31612345678"),
        ("06 12345678", "NL", "+31612345678"),
        ("+31 (0)20 123 4567", "NL", "+31201234567"),
        ("4512345678", "DK", "+4512345678"),
        ("tel:+45-12-34-56-78", None, "+4512345678"),
        ("sip:+4512345678@pbx.example.dk", None, "+4512345678"),
        ("+4512345678", None, "+4512345678"),
    ],
)
def test_to_e164_reads_every_usual_format(number, region, expected):
    assert phone.to_e164(number, region) == expected


@pytest.mark.parametrize(
    "number,region,reason",
    [
        ("", "DK", "empty"),
        (None, "DK", "empty"),
        ("anonymous", "DK", "not_a_number"),
        ("+45 12+34", "DK", "not_a_number"),
        ("12345678", None, "no_country"),
        ("123", "DK", "too_short"),
        ("+45 1234567890123", "DK", "too_long"),
        ("+999 1234 5678", "DK", "invalid_country_code"),
    ],
)
def test_to_e164_refuses_with_a_reason(number, region, reason):
    with pytest.raises(phone.PhoneNumberError) as info:
        phone.to_e164(number, region)
    assert info.value.reason == reason
    # the message is plain words and quotes what was given
    assert str(info.value).endswith(".")


def test_no_country_message_explains_what_is_missing():
    with pytest.raises(phone.PhoneNumberError) as info:
        phone.to_e164("12345678")
    assert "no country code" in str(info.value)


def test_to_e164_or_none_and_is_mobile():
    assert phone.to_e164_or_none("not a number", "DK") is None
    assert phone.is_mobile("+31 6 1234 5678")
    assert not phone.is_mobile("+31 20 123 4567")
    assert phone.to_international("32123456", "DK") == "+45 32 12 34 56"


def test_normalise_many_parses_each_distinct_value_once():
    result = phone.normalise_many(
        [("12345678", "DK"), ("12345678", "DK"), ("06 12345678", "NL"), ("x", "DK")]
    )
    assert result == {
        ("12345678", "DK"): "+4512345678",
        ("06 12345678", "NL"): "+31612345678",
        ("x", "DK"): None,
    }


@pytest.mark.parametrize(
    "number,expected",
    [
        ("201", "201"),
        (" 2901 ", "2901"),
        ("+45 70 12 34 56", "+4570123456"),
        ("70123456", "+4570123456"),
        ("0031 6 23456789", "+31623456789"),
    ],
)
def test_own_number_is_an_extension_or_a_phone_number(number, expected):
    assert phone.own_number(number, "DK") == expected


@pytest.mark.parametrize(
    "number",
    [
        "{token}",
        "201{token}",
        "sip:201@pbx.example.dk",
        "tel:+4570123456",
        "201\r\nX-Evil: 1",
        "2" * 65,
        "+45 12",
        "",
        "Mette",
    ],
)
def test_own_number_refuses_free_text(number):
    with pytest.raises(phone.PhoneNumberError):
        phone.own_number(number, "DK")
