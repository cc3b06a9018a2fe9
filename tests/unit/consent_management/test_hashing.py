import hashlib

from tests.unit.svc import load

hashing = load("consent_management", "hashing")


def test_hash_is_sha256_of_normalised_address():
    expected = hashlib.sha256(b"anna@nordlys.example").hexdigest()
    assert hashing.email_hash("anna@nordlys.example") == expected
    assert hashing.email_hash("  Anna@Nordlys.EXAMPLE ") == expected


def test_no_address_no_hash():
    assert hashing.email_hash("") is False
    assert hashing.email_hash(None) is False
    assert hashing.email_hash("   ") is False


def test_hash_does_not_contain_the_address():
    digest = hashing.email_hash("bo@nordlys.example")
    assert "nordlys" not in digest
    assert len(digest) == 64


def test_unicode_addresses():
    expected = hashlib.sha256("søren@æblehaven.dk".encode()).hexdigest()
    assert hashing.email_hash("Søren@Æblehaven.dk") == expected
