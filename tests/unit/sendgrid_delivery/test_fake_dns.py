"""The loopback DNS server used by the domain check tests, queried with dnspython."""

import dns.resolver
import pytest
from nordic_crm_fakes.dns import FakeDNSServer


@pytest.fixture
def resolver_for():
    def make(server):
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [server.host]
        resolver.port = server.port
        resolver.lifetime = 2
        return resolver

    return make


def test_answers_nxdomain_nodata_and_follows_cnames(resolver_for):
    zones = {
        "a.test": {"TXT": ["v=spf1 include:sendgrid.net ~all", "x" * 300]},
        "alias.a.test": {"CNAME": ["target.a.test"]},
        "target.a.test": {"TXT": ["hello"]},
    }
    with FakeDNSServer(zones) as server:
        resolver = resolver_for(server)
        txt = sorted(
            b"".join(r.strings).decode() for r in resolver.resolve("a.test", "TXT")
        )
        assert txt == ["v=spf1 include:sendgrid.net ~all", "x" * 300]  # >255 split
        with pytest.raises(dns.resolver.NXDOMAIN):
            resolver.resolve("nothing.a.test", "TXT")
        with pytest.raises(dns.resolver.NoAnswer):
            resolver.resolve("a.test", "CNAME")
        cname = resolver.resolve("alias.a.test", "CNAME")
        assert cname[0].target.to_text() == "target.a.test."
        followed = resolver.resolve("alias.a.test", "TXT")
        assert followed[0].strings == (b"hello",)
        server.set("late.a.test", {"TXT": ["added later"]})
        assert resolver.resolve("late.a.test", "TXT")[0].strings == (b"added later",)
    assert ("a.test", "TXT") in server.queries
