"""Domain check against a real DNS server on 127.0.0.1 serving test zones."""

import pytest
from nordic_crm_fakes.dns import FakeDNSServer

from tests.unit.svc import load

dns_check = load("sendgrid_delivery", "dns_check")

TARGET = "u1234567.wl123.sendgrid.net"

GOOD = {
    "good.test": {
        "TXT": [
            "v=spf1 include:_spf.google.com include:sendgrid.net ~all",
            "google-site-verification=abc",
        ]
    },
    "s1._domainkey.good.test": {"CNAME": [f"s1.domainkey.{TARGET}"]},
    "s2._domainkey.good.test": {"CNAME": [f"s2.domainkey.{TARGET}"]},
    "em1234.good.test": {"CNAME": [TARGET]},
    "url5678.good.test": {"CNAME": ["sendgrid.net"]},
    "_dmarc.good.test": {"TXT": ["v=DMARC1; p=quarantine; rua=mailto:d@good.test"]},
    "bad.test": {"TXT": ["v=spf1 mx -all"]},
    "s1._domainkey.bad.test": {"CNAME": ["s1.domainkey.mailgun.org"]},
    "_dmarc.bad.test": {"TXT": ["v=DMARC1; rua=mailto:d@bad.test"]},
    "two.test": {"TXT": ["v=spf1 -all", "v=spf1 include:sendgrid.net -all"]},
}


@pytest.fixture(scope="module")
def fake():
    with FakeDNSServer(GOOD) as server:
        yield server


def _checker(fake, **kw):
    kw.setdefault("dns_target", TARGET)
    kw.setdefault("return_path_subdomain", "em1234")
    kw.setdefault("link_branding_subdomain", "url5678")
    return dns_check.DomainChecker(
        nameservers=[fake.host], port=fake.port, timeout=2, **kw
    )


def _by_check(results):
    return {r.check: r for r in results}


def test_everything_found(fake):
    results = _by_check(_checker(fake).check_domain("Sales@Good.test"))
    assert {c: r.status for c, r in results.items()} == {
        "spf": "found",
        "dkim_s1": "found",
        "dkim_s2": "found",
        "return_path": "found",
        "link_branding": "found",
        "dmarc": "found",
    }
    assert results["dmarc"].note == "policy: quarantine"
    assert ("s1._domainkey.good.test", "CNAME") in fake.queries


def test_wrong_and_missing_with_record_to_add(fake):
    results = _by_check(_checker(fake).check_domain("bad.test"))
    assert results["spf"].status == "wrong"
    assert results["spf"].expected == "v=spf1 mx include:sendgrid.net -all"
    assert results["dkim_s1"].status == "wrong"
    assert results["dkim_s1"].expected == f"s1.domainkey.{TARGET}"
    assert results["dkim_s2"].status == "missing"
    assert results["dkim_s2"].record_name == "s2._domainkey.bad.test"
    assert results["return_path"].status == "missing"
    assert results["return_path"].expected == TARGET
    assert results["dmarc"].status == "wrong"


def test_nothing_at_all(fake):
    results = _by_check(_checker(fake).check_domain("nothing.test"))
    assert {r.status for r in results.values()} == {"missing"}
    assert results["spf"].expected == "v=spf1 include:sendgrid.net ~all"
    assert (
        results["dmarc"].expected == "v=DMARC1; p=none; rua=mailto:dmarc@nothing.test"
    )


def test_two_spf_records_are_wrong(fake):
    result = _checker(fake).check_spf("two.test")
    assert result.status == "wrong" and "more than one" in result.note


def test_without_configured_target_any_sendgrid_cname_is_accepted(fake):
    checker = _checker(
        fake, dns_target=None, return_path_subdomain=None, link_branding_subdomain=None
    )
    results = _by_check(checker.check_domain("good.test"))
    assert results["dkim_s1"].status == "found"
    assert results["return_path"].status == "missing"
    assert "link_branding" not in results


def test_unreachable_dns_reports_error():
    checker = dns_check.DomainChecker(nameservers=["127.0.0.1"], port=9, timeout=0.3)
    assert checker.check_spf("good.test").status == "error"


def test_bad_domain_refused():
    with pytest.raises(ValueError):
        dns_check.normalise_domain("not a domain")
