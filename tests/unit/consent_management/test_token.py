import hmac

from tests.unit.svc import load

token = load("consent_management", "token")

SECRET = "db-secret-for-tests"
NOW = 1_800_000_000


def test_valid_link():
    sig = token.sign(SECRET, 42, "emarketing", NOW + 60)
    assert token.verify(SECRET, 42, "emarketing", NOW + 60, sig, NOW) == token.VALID


def test_signature_is_deterministic_hex_sha256():
    sig = token.sign(SECRET, 42, "emarketing", NOW)
    assert sig == token.sign(SECRET, 42, "emarketing", NOW)
    assert len(sig) == 64
    int(sig, 16)


def test_expired_link():
    sig = token.sign(SECRET, 42, "emarketing", NOW - 1)
    assert token.verify(SECRET, 42, "emarketing", NOW - 1, sig, NOW) == token.EXPIRED


def test_altered_fields_are_invalid():
    sig = token.sign(SECRET, 42, "emarketing", NOW + 60)
    assert token.verify(SECRET, 43, "emarketing", NOW + 60, sig, NOW) == token.INVALID
    assert (
        token.verify(SECRET, 42, "sms_marketing", NOW + 60, sig, NOW) == token.INVALID
    )
    # a longer expiry is not an expired link: it is a forgery
    assert token.verify(SECRET, 42, "emarketing", NOW + 61, sig, NOW) == token.INVALID
    assert (
        token.verify(SECRET, 42, "emarketing", NOW + 60, sig, NOW, action="withdraw")
        == token.INVALID
    )


def test_altered_expiry_in_the_past_is_invalid_not_expired():
    sig = token.sign(SECRET, 42, "emarketing", NOW + 60)
    assert token.verify(SECRET, 42, "emarketing", NOW - 60, sig, NOW) == token.INVALID


def test_other_key_or_garbage_is_invalid():
    sig = token.sign("another-secret", 42, "emarketing", NOW + 60)
    assert token.verify(SECRET, 42, "emarketing", NOW + 60, sig, NOW) == token.INVALID
    for bad in ("", "0" * 64, None, 12, "é" * 64):
        assert (
            token.verify(SECRET, 42, "emarketing", NOW + 60, bad, NOW) == token.INVALID
        )
    assert token.verify(SECRET, "x", "emarketing", NOW + 60, sig, NOW) == token.INVALID


def test_uses_the_given_constant_time_compare():
    calls = []

    def compare(a, b):
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    sig = token.sign(SECRET, 1, "emarketing", NOW + 5)
    assert (
        token.verify(SECRET, 1, "emarketing", NOW + 5, sig, NOW, compare=compare)
        == token.VALID
    )
    assert calls == [(sig.encode(), sig.encode())]


def test_missing_secret_refused():
    try:
        token.sign("", 1, "emarketing", NOW)
    except ValueError:
        pass
    else:
        raise AssertionError("an empty secret must be refused")
    assert token.verify("", 1, "emarketing", NOW + 5, "abc", NOW) == token.INVALID


def test_digest_hides_the_token():
    sig = token.sign(SECRET, 1, "emarketing", NOW)
    assert token.digest(sig) != sig
    assert token.digest(sig) == token.digest(sig)
    assert len(token.digest(sig)) == 64
