"""A real UDP DNS server on 127.0.0.1 serving test zones (built with dnspython).

    from nordic_crm_fakes.dns import FakeDNSServer

    zones = {
        "example.com": {"TXT": ["v=spf1 include:sendgrid.net ~all"]},
        "s1._domainkey.example.com": {"CNAME": ["s1.domainkey.u1.wl1.sendgrid.net"]},
    }
    with FakeDNSServer(zones) as fake:
        resolver.nameservers = [fake.host]; resolver.port = fake.port

Names without an entry answer NXDOMAIN; a known name without the asked type
answers NOERROR with no records; a CNAME is returned for any asked type (and
followed inside the zones). Every query is recorded in ``fake.queries``.
"""

import socket
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

__all__ = ["FakeDNSServer"]


class FakeDNSServer:
    def __init__(self, zones=None, host="127.0.0.1", ttl=60):
        self.host = host
        self.port = None
        self.ttl = ttl
        self.zones = {}
        self.queries = []  # (name, type) tuples
        self._sock = None
        self._thread = None
        self._running = False
        for name, records in (zones or {}).items():
            self.set(name, records)

    def set(self, name, records):
        """Replace the records of ``name``: {"TXT": [...], "CNAME": [...]}."""
        key = name.lower().rstrip(".")
        self.zones[key] = {
            rtype.upper(): list(values) for rtype, values in records.items()
        }

    def remove(self, name):
        self.zones.pop(name.lower().rstrip("."), None)

    # -- answering ------------------------------------------------------------
    def _rrset(self, name, rtype, values):
        rdtype = dns.rdatatype.from_text(rtype)
        rrset = dns.rrset.RRset(dns.name.from_text(name), dns.rdataclass.IN, rdtype)
        for value in values:
            if rtype == "TXT":
                chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
                text = " ".join('"' + c.replace('"', '\\"') + '"' for c in chunks)
            elif rtype in ("CNAME", "NS", "PTR"):
                text = value.rstrip(".") + "."
            else:
                text = value
            rrset.add(dns.rdata.from_text(dns.rdataclass.IN, rdtype, text), self.ttl)
        return rrset

    def _answer(self, query):
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        rtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rtype))
        seen = set()
        while True:
            records = self.zones.get(name)
            if records is None:
                if not response.answer:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                return response
            if rtype in records:
                response.answer.append(self._rrset(name, rtype, records[rtype]))
                return response
            if "CNAME" in records and name not in seen:
                seen.add(name)
                response.answer.append(self._rrset(name, "CNAME", records["CNAME"][:1]))
                name = records["CNAME"][0].rstrip(".").lower()
                continue
            return response  # NOERROR, no data

    def _serve(self):
        while self._running:
            try:
                data, peer = self._sock.recvfrom(65535)
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except (dns.exception.DNSException, ValueError):  # garbage: answer nothing
                continue
            wire = self._answer(query).to_wire(max_size=65535)
            try:
                self._sock.sendto(wire, peer)
            except OSError:
                pass

    # -- lifecycle ------------------------------------------------------------
    def start(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((self.host, 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._running = True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        while self._running:
            try:
                self._serve()
            except TimeoutError:
                continue
            except OSError:
                if not self._running:
                    return

    def stop(self):
        self._running = False
        if self._thread:
            self._thread.join(timeout=2)
        if self._sock:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
