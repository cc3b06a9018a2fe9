"""Normalise the phone numbers a PBX or a person types to E.164.

Uni-tel presents callers as ``+4512345678``, ``004512345678`` or ``12345678``
(national, no country code); contacts hold ``+45 12 34 56 78``, ``12 34 56 78``
or ``+31 6 1234 5678``. Everything the addon compares goes through
:func:`to_e164` so that one stored, indexed value per number is enough.

We deliberately accept *possible* numbers (right length for the country), not
only numbers phonenumbers considers *valid*: real subscribers get numbers
before the library's metadata knows their ranges, and a caller must never be
missed because of that.
"""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType
from phonenumbers import ValidationResult as _VR

# URI schemes and decorations a softphone may put around the number.
_URI_PREFIX = re.compile(r"^\s*(tel|sip|sips|callto)\s*:\s*", re.IGNORECASE)
_ALLOWED = re.compile(r"^[+\d\s().\-/]*$")

REASONS = {
    "empty": "No phone number was given.",
    "not_a_number": "{number!r} is not a phone number.",
    "no_country": (
        "{number!r} has no country code and no country is known to read it as a "
        "national number."
    ),
    "invalid_country_code": "{number!r} does not start with a known country code.",
    "too_short": "{number!r} has too few digits to be a phone number.",
    "too_long": "{number!r} has too many digits to be a phone number.",
    "invalid": "{number!r} is not a possible phone number.",
}
# A PBX extension: a few digits ("201"); longer digit strings are numbers.
_EXTENSION = re.compile(r"^\d{1,6}$")
MAX_NUMBER_LENGTH = 64  # characters; anything longer is not a number someone typed


class PhoneNumberError(ValueError):
    """The number cannot be read; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, number, reason):
        self.number = number
        self.reason = reason
        super().__init__(REASONS[reason].format(number=number))


def clean(number):
    """Strip URI schemes (``tel:``, ``sip:``) and SIP domains from ``number``."""
    text = (number or "").strip()
    text = _URI_PREFIX.sub("", text)
    if "@" in text:  # sip:+4512345678@pbx.example.dk
        text = text.split("@", 1)[0]
    return text.split(";", 1)[0].strip()  # tel:+45...;ext=12


def _parse(compact, region, text):
    try:
        return phonenumbers.parse(compact, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            reason = "invalid_country_code" if region else "no_country"
            raise PhoneNumberError(text, reason) from exc
        if exc.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            raise PhoneNumberError(text, "too_short") from exc
        if exc.error_type == NumberParseException.TOO_LONG:
            raise PhoneNumberError(text, "too_long") from exc
        raise PhoneNumberError(text, "not_a_number") from exc


def parse(number, region=None):
    """Return the :class:`phonenumbers.PhoneNumber` for ``number``.

    :param number: what was typed or presented, in any usual format.
    :param region: ISO 3166 alpha-2 code (``"DK"``) used to read national
        numbers; without it only international numbers can be read.
    :raises PhoneNumberError: with a plain-words message.
    """
    text = clean(number)
    if not text:
        raise PhoneNumberError(number or "", "empty")
    if not _ALLOWED.match(text) or not any(ch.isdigit() for ch in text):
        raise PhoneNumberError(text, "not_a_number")
    compact = re.sub(r"[^\d+]", "", text)
    if compact.count("+") > 1 or "+" in compact[1:]:
        raise PhoneNumberError(text, "not_a_number")
    if compact.startswith("00"):  # European international prefix: 0045... = +45...
        compact = "+" + compact[2:]
    region = (region or "").upper() or None
    if not compact.startswith("+") and not region:
        raise PhoneNumberError(text, "no_country")
    parsed = _parse(compact, region, text)
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason == _VR.TOO_LONG and not compact.startswith("+"):
        # "4512345678" typed without "+": retry as international, like Odoo does.
        try:
            retry = _parse("+" + compact, None, text)
        except PhoneNumberError:
            retry = None
        if retry is not None and phonenumbers.is_possible_number(retry):
            return retry
    if reason in (_VR.IS_POSSIBLE, _VR.IS_POSSIBLE_LOCAL_ONLY):
        if reason == _VR.IS_POSSIBLE_LOCAL_ONLY:
            raise PhoneNumberError(text, "too_short")
        return parsed
    raise PhoneNumberError(
        text,
        {
            _VR.INVALID_COUNTRY_CODE: "invalid_country_code",
            _VR.TOO_SHORT: "too_short",
            _VR.TOO_LONG: "too_long",
        }.get(reason, "invalid"),
    )


def to_e164(number, region=None):
    """Return ``number`` as E.164 (``+4512345678``) or raise PhoneNumberError."""
    return phonenumbers.format_number(
        parse(number, region), phonenumbers.PhoneNumberFormat.E164
    )


def own_number(number, region=None):
    """Return a user's own number or extension as the PBX gets it.

    An extension (up to 6 digits) stays as typed; anything else must be a
    possible phone number and comes back in E.164. Free text (``{token}``,
    ``sip:…``) raises :class:`PhoneNumberError`.
    """
    text = (number or "").strip()
    if _EXTENSION.match(text):
        return text
    if len(text) > MAX_NUMBER_LENGTH or not _ALLOWED.match(text):
        raise PhoneNumberError(text, "not_a_number")
    return to_e164(text, region)


def to_e164_or_none(number, region=None):
    """Like :func:`to_e164` but ``None`` for empty or unreadable numbers."""
    try:
        return to_e164(number, region)
    except PhoneNumberError:
        return None


def to_international(number, region=None):
    """Return the readable international form (``+45 12 34 56 78``)."""
    return phonenumbers.format_number(
        parse(number, region), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def is_mobile(number, region=None):
    """True when the number is known to be a mobile number (not fixed line)."""
    try:
        parsed = parse(number, region)
    except PhoneNumberError:
        return False
    return phonenumbers.number_type(parsed) == PhoneNumberType.MOBILE


def normalise_many(pairs):
    """Map each distinct ``(number, region)`` pair to its E.164 value or None.

    Used by the set-based initialisation: every distinct raw value is parsed
    once, however many contacts share it.
    """
    return {pair: to_e164_or_none(*pair) for pair in set(pairs)}
