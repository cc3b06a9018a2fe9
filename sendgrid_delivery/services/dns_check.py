"""Check a sending domain's DNS for SendGrid (no Odoo import).

For each sender domain we look up, with real DNS queries:

* SPF: the single ``v=spf1`` TXT record must include SendGrid;
* DKIM: ``s1._domainkey`` and ``s2._domainkey`` CNAMEs to SendGrid;
* return path (``em1234``) and link branding (``url1234``) CNAMEs;
* DMARC: a ``v=DMARC1`` TXT record at ``_dmarc`` with a policy.

Each check reports ``found`` / ``missing`` / ``wrong`` (or ``error`` when DNS
could not answer) with the exact record to add. The resolver's nameserver and
port can be set, so tests use a DNS server on 127.0.0.1.
"""

import re
from dataclasses import asdict, dataclass

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

FOUND, MISSING, WRONG, ERROR = "found", "missing", "wrong", "error"
SENDGRID_SUFFIX = "sendgrid.net"
SPF_INCLUDE = "include:sendgrid.net"
PLACEHOLDER_TARGET = "u<account>.wl<nnn>.sendgrid.net"

_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass
class CheckResult:
    domain: str
    check: str  # spf, dkim_s1, dkim_s2, return_path, link_branding, dmarc
    record_name: str
    record_type: str
    status: str
    current: str  # what DNS answered ("" when nothing)
    expected: str  # the record to add or the value it should have
    note: str = ""

    def as_dict(self):
        return asdict(self)


def normalise_domain(domain):
    domain = (domain or "").strip().lower().rstrip(".")
    if "@" in domain:
        domain = domain.rsplit("@", 1)[1]
    if not _DOMAIN_RE.match(domain):
        raise ValueError(f"not a domain name: {domain!r}")
    return domain


class DomainChecker:
    """Runs the checks; ``nameservers``/``port`` override the system resolver."""

    def __init__(
        self,
        nameservers=None,
        port=53,
        timeout=3.0,
        dns_target=None,
        return_path_subdomain=None,
        link_branding_subdomain=None,
    ):
        if nameservers:
            self.resolver = dns.resolver.Resolver(configure=False)
            self.resolver.nameservers = list(nameservers)
        else:
            self.resolver = dns.resolver.Resolver()
        self.resolver.port = int(port or 53)
        self.resolver.timeout = timeout
        self.resolver.lifetime = timeout
        self.resolver.cache = None
        # e.g. "u1234567.wl123.sendgrid.net", shown by SendGrid for the domain
        self.dns_target = (dns_target or "").strip().lower().rstrip(".") or None
        self.return_path_subdomain = _subdomain(return_path_subdomain)
        self.link_branding_subdomain = _subdomain(link_branding_subdomain)

    # -- lookups --------------------------------------------------------------
    def _query(self, name, rdtype):
        """Return (answers, error_text); NXDOMAIN/no answer -> ([], "")."""
        try:
            answer = self.resolver.resolve(name, rdtype, raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return [], ""
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            return None, str(exc) or exc.__class__.__name__
        except dns.exception.DNSException as exc:
            return None, str(exc) or exc.__class__.__name__
        if answer.rrset is None:
            return [], ""
        return list(answer.rrset), ""

    def _txt(self, name):
        records, error = self._query(name, "TXT")
        if records is None:
            return None, error
        return [b"".join(r.strings).decode("utf-8", "replace") for r in records], ""

    def _cname(self, name):
        records, error = self._query(name, "CNAME")
        if records is None:
            return None, error
        return [r.target.to_text().rstrip(".").lower() for r in records], ""

    # -- checks ---------------------------------------------------------------
    def check_spf(self, domain):
        records, error = self._txt(domain)
        expected = f"v=spf1 {SPF_INCLUDE} ~all"
        if records is None:
            return CheckResult(domain, "spf", domain, "TXT", ERROR, "", expected, error)
        spf = [r for r in records if r.lower().startswith("v=spf1")]
        if not spf:
            return CheckResult(domain, "spf", domain, "TXT", MISSING, "", expected)
        if len(spf) > 1:
            return CheckResult(
                domain,
                "spf",
                domain,
                "TXT",
                WRONG,
                " | ".join(spf),
                _spf_with_sendgrid(spf[0]),
                "more than one SPF record: merge them into one",
            )
        current = spf[0]
        includes = [
            term.split(":", 1)[1].lower()
            for term in current.split()
            if term.lower().lstrip("+").startswith("include:")
        ]
        if any(
            inc == SENDGRID_SUFFIX or inc.endswith("." + SENDGRID_SUFFIX)
            for inc in includes
        ):
            return CheckResult(domain, "spf", domain, "TXT", FOUND, current, current)
        return CheckResult(
            domain,
            "spf",
            domain,
            "TXT",
            WRONG,
            current,
            _spf_with_sendgrid(current),
            "SPF does not include SendGrid",
        )

    def _check_cname(self, domain, check, name, expected_target, accept):
        records, error = self._cname(name)
        if records is None:
            return CheckResult(
                domain, check, name, "CNAME", ERROR, "", expected_target, error
            )
        if not records:
            return CheckResult(
                domain, check, name, "CNAME", MISSING, "", expected_target
            )
        current = records[0]
        if accept(current):
            return CheckResult(domain, check, name, "CNAME", FOUND, current, current)
        return CheckResult(
            domain,
            check,
            name,
            "CNAME",
            WRONG,
            current,
            expected_target,
            "points elsewhere than SendGrid",
        )

    def check_dkim(self, domain, selector):
        name = f"{selector}._domainkey.{domain}"
        target = self.dns_target or PLACEHOLDER_TARGET
        expected = f"{selector}.domainkey.{target}"

        def accept(current):
            if self.dns_target:
                return current == expected
            return current.startswith(f"{selector}.domainkey.") and _is_sendgrid(
                current
            )

        return self._check_cname(domain, f"dkim_{selector}", name, expected, accept)

    def check_return_path(self, domain):
        sub = self.return_path_subdomain or "em<nnnn>"
        name = f"{sub}.{domain}"
        expected = self.dns_target or PLACEHOLDER_TARGET
        if not self.return_path_subdomain:
            return CheckResult(
                domain,
                "return_path",
                name,
                "CNAME",
                MISSING,
                "",
                expected,
                "set the return-path subdomain SendGrid shows (e.g. em1234)",
            )

        def accept(current):
            return current == expected if self.dns_target else _is_sendgrid(current)

        return self._check_cname(domain, "return_path", name, expected, accept)

    def check_link_branding(self, domain):
        sub = self.link_branding_subdomain
        if not sub:
            return None  # link branding is optional in SendGrid
        name = f"{sub}.{domain}"
        return self._check_cname(
            domain, "link_branding", name, SENDGRID_SUFFIX, _is_sendgrid
        )

    def check_dmarc(self, domain):
        name = f"_dmarc.{domain}"
        expected = f"v=DMARC1; p=none; rua=mailto:dmarc@{domain}"
        records, error = self._txt(name)
        if records is None:
            return CheckResult(domain, "dmarc", name, "TXT", ERROR, "", expected, error)
        dmarc = [
            r for r in records if r.replace(" ", "").upper().startswith("V=DMARC1")
        ]
        if not dmarc:
            return CheckResult(domain, "dmarc", name, "TXT", MISSING, "", expected)
        if len(dmarc) > 1:
            return CheckResult(
                domain,
                "dmarc",
                name,
                "TXT",
                WRONG,
                " | ".join(dmarc),
                expected,
                "more than one DMARC record: keep one",
            )
        tags = _dmarc_tags(dmarc[0])
        policy = tags.get("p", "")
        if policy not in ("none", "quarantine", "reject"):
            return CheckResult(
                domain,
                "dmarc",
                name,
                "TXT",
                WRONG,
                dmarc[0],
                expected,
                "no valid policy (p=none, quarantine or reject)",
            )
        return CheckResult(
            domain, "dmarc", name, "TXT", FOUND, dmarc[0], dmarc[0], f"policy: {policy}"
        )

    def check_domain(self, domain):
        """All checks for one domain, in the order SendGrid's setup shows them."""
        domain = normalise_domain(domain)
        results = [
            self.check_spf(domain),
            self.check_dkim(domain, "s1"),
            self.check_dkim(domain, "s2"),
            self.check_return_path(domain),
            self.check_link_branding(domain),
            self.check_dmarc(domain),
        ]
        return [r for r in results if r is not None]

    def check_domains(self, domains):
        results = []
        for domain in sorted({normalise_domain(d) for d in domains}):
            results.extend(self.check_domain(domain))
        return results


def _subdomain(value):
    value = (value or "").strip().lower().strip(".")
    if not value:
        return None
    if not _SUBDOMAIN_RE.match(value):
        raise ValueError(f"not a subdomain label: {value!r}")
    return value


def _is_sendgrid(target):
    return target == SENDGRID_SUFFIX or target.endswith("." + SENDGRID_SUFFIX)


def _spf_with_sendgrid(record):
    """The same SPF record with SendGrid's include before the ``all`` term."""
    terms = record.split()
    for index, term in enumerate(terms):
        if term.lower().lstrip("+-~?") == "all" or term.lower().startswith("redirect="):
            terms.insert(index, SPF_INCLUDE)
            return " ".join(terms)
    return " ".join([*terms, SPF_INCLUDE, "~all"])


def _dmarc_tags(record):
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip().lower()
    return tags
