"""Answers as bytes: the table every query is looked up in, and the answers made per query.

A query's key is its question section as sent, the name lowercased (names are
case-insensitive; the length octets, all below 64, are untouched by lower()) with type and
class. An entry holds the reply's header from its flags on and its answer section; the
reply is the query's id, those flags (with the query's RD bit), the query's own question
(so a client's 0x20 case randomisation is echoed) and the answers, whose names point back
at offset 12 by compression and so do not depend on the question's case.
"""

from __future__ import annotations

import ipaddress
import struct

from kube.dns import wire
from kube.dns.records import TTL, Zone

Entry = tuple[bytes, bytes]  # (header bytes 2..12: flags and counts, answer section)
HEADER = 12
NEGATIVE_CACHE = 10_000  # synthesized answers (NXDOMAIN, pod names) kept until the table changes


def question_key(data: bytes) -> tuple[bytes, int] | None:
    """(key, end of the question) of a plain one-question query, None for anything else
    (a response, another opcode, several questions, a compressed or cut name)."""
    if len(data) < HEADER + 5 or data[2] & 0xF8 or data[4] or data[5] != 1:
        return None
    i = HEADER
    try:
        while n := data[i]:
            if n & 0xC0:
                return None
            i += n + 1
    except IndexError:
        return None
    end = i + 5
    if end > len(data):
        return None
    return data[HEADER:i + 1].lower() + data[i + 1:end], end


def wire_key(name: str, qtype: int) -> bytes:
    """The key a query for (name, qtype) in class IN has."""
    return wire.name_wire(name) + struct.pack("!HH", qtype, wire.CLASS_IN)


def entry(answers: list[bytes], *, rcode: int = wire.NOERROR, authority: list[bytes] = ()) -> Entry:
    """The cached form of a reply with these (wire) records."""
    return wire.header_tail(rcode, len(answers), len(authority)), b"".join(answers) + b"".join(authority)


def splice(query: bytes, end: int, cached: Entry) -> bytes:
    """The reply to `query` (question ending at `end`) from a cached entry."""
    head, answers = cached
    return query[:2] + bytes((head[0] | (query[2] & 0x01),)) + head[1:] + query[HEADER:end] + answers


def soa(domain: str) -> bytes:
    """The cluster zone's SOA record, sent with negative answers so resolvers cache them for TTL seconds."""
    return wire.rr(wire.SOA, TTL, wire.soa_rdata(domain, TTL), owner=wire.name_wire(domain))


class AnswerTable:
    """The cluster's answers, rebuilt whole (`load`) when a Service or slice changes."""

    def __init__(self, domain: str) -> None:
        self.domain = domain.strip(".").lower() + "."
        self.entries: dict[bytes, Entry] = {}
        self.synthesized: dict[bytes, Entry] = {}
        self.names: set[str] = set()
        self.soa = soa(self.domain)

    def build(self, zone: Zone) -> dict[bytes, Entry]:
        """Every entry of a zone (pure: runs in a worker thread while the loop keeps answering)."""
        entries: dict[bytes, Entry] = {}
        names: dict[str, bytes] = {}
        for (name, qtype), rrs in zone.records.items():
            encoded = names.get(name) or names.setdefault(name, wire.name_wire(name))
            entries[encoded + struct.pack("!HH", qtype, wire.CLASS_IN)] = entry(rrs)
        nodata = entry([], authority=[self.soa])
        a_in, aaaa_in = struct.pack("!HH", wire.A, wire.CLASS_IN), struct.pack("!HH", wire.AAAA, wire.CLASS_IN)
        for name in zone.names:  # the no-data answers resolvers ask for beside every A (AAAA, and A of v6)
            encoded = names.get(name) or wire.name_wire(name)
            entries.setdefault(encoded + a_in, nodata)
            entries.setdefault(encoded + aaaa_in, nodata)
        return entries

    def install(self, zone: Zone, entries: dict[bytes, Entry]) -> None:
        """Swap in what build() made (one assignment each: a query sees the old table or the new)."""
        self.entries, self.names, self.synthesized = entries, set(zone.names), {}

    def load(self, zone: Zone) -> None:
        self.install(zone, self.build(zone))

    def answer(self, query: bytes) -> bytes | None:
        """The reply from the table (or from what was synthesized before), None on a miss."""
        found = question_key(query)
        if found is None:
            return None
        key, end = found
        cached = self.entries.get(key) or self.synthesized.get(key)
        return splice(query, end, cached) if cached is not None else None

    def is_cluster_name(self, name: str) -> bool:
        return name == self.domain or name.endswith("." + self.domain)

    def synthesize(self, query: bytes, found: tuple[bytes, int]) -> bytes:
        """The reply to a query under the cluster domain that the table does not hold: a pod
        name's A, or NOERROR without answers for a known name, or NXDOMAIN; kept for next time."""
        key, end = found
        name, qtype = question_of(key)
        answers: list[bytes] = []
        rcode = wire.NOERROR
        pod_ip = self._pod_ip(name)
        if pod_ip is not None:
            if qtype in (wire.A, wire.ANY):
                answers.append(wire.rr(wire.A, TTL, wire.address_rdata(pod_ip)[1]))
        elif name == self.domain and qtype in (wire.SOA, wire.ANY):
            answers.append(wire.rr(wire.SOA, TTL, wire.soa_rdata(self.domain, TTL)))
        elif name not in self.names:
            rcode = wire.NXDOMAIN
        cached = entry(answers, rcode=rcode, authority=[] if answers else [self.soa])
        if len(self.synthesized) >= NEGATIVE_CACHE:
            self.synthesized = {}
        self.synthesized[key] = cached
        return splice(query, end, cached)

    def _pod_ip(self, name: str) -> str | None:
        """`a-b-c-d.<ns>.pod.<domain>` -> a.b.c.d (any valid address, as CoreDNS' `pods insecure`)."""
        labels = name[:-len(self.domain) - 1].split(".") if self.is_cluster_name(name) else []
        if len(labels) != 3 or labels[2] != "pod":
            return None
        try:
            return str(ipaddress.IPv4Address(labels[0].replace("-", ".")))
        except ValueError:
            return None


def question_of(key: bytes) -> tuple[str, int]:
    """(name with the final dot, qtype) of a question key."""
    labels, i = [], 0
    while n := key[i]:
        labels.append(key[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += n + 1
    return ".".join(labels) + ".", struct.unpack_from("!H", key, i + 1)[0]


def error_reply(query: bytes, rcode: int) -> bytes:
    """A header-only reply (FORMERR, SERVFAIL, REFUSED) to whatever arrived, when it has an id."""
    ident = query[:2] if len(query) >= 2 else b"\0\0"
    rd = query[2] & 0x01 if len(query) > 2 else 0
    return ident + bytes((0x80 | rd, 0x80 | rcode)) + b"\0" * 8


def truncated(reply: bytes, end: int) -> bytes:
    """The reply cut to its question with TC set, so the client asks again over TCP."""
    return reply[:2] + bytes((reply[2] | 0x02, reply[3])) + reply[4:6] + b"\0" * 6 + reply[HEADER:end]
