"""DNS wire encoding of the few records the cluster zone holds (RFC 1035 section 4.1,
RFC 2782 for SRV, RFC 3596 for AAAA), written directly because the zone is re-encoded
whole on every change: dnslib's general record objects cost about 100 us a record, which
for 10,000 Services is seconds with the event loop blocked; these cost a few. dnslib
remains the decoder (the tests read every answer back with it) and the forwarder's parser.

Every answer's owner is the question's name, so it is written as a pointer to offset 12
(0xC00C); names inside RDATA are written whole (SRV targets must not be compressed).
"""

from __future__ import annotations

import socket
import struct

A, NS, CNAME, SOA, PTR, AAAA, SRV, ANY = 1, 2, 5, 6, 12, 28, 33, 255
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP = 0, 1, 2, 3, 4
CLASS_IN = 1
POINTER_TO_QUESTION = b"\xc0\x0c"


def name_wire(name: str) -> bytes:
    """A name as length-prefixed labels ending in the root label (lowercase)."""
    labels = [label for label in name.lower().rstrip(".").split(".") if label]
    return b"".join(bytes((len(b),)) + b for b in (label.encode("idna") if not label.isascii() else label.encode()
                                                    for label in labels)) + b"\0"


def packed_ip(text: object) -> bytes | None:
    """The 4 or 16 bytes of an IP address, None for anything else (inet_pton: C speed)."""
    if not isinstance(text, str):
        return None
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            return socket.inet_pton(family, text)
        except OSError:
            continue
    return None


def address_rdata(ip: str) -> tuple[int, bytes]:
    """(A or AAAA, the packed address) of a valid address."""
    packed = packed_ip(ip)
    if packed is None:
        raise ValueError(f"not an IP address: {ip!r}")
    return (AAAA if len(packed) == 16 else A), packed


def reverse_name(packed: bytes) -> str:
    """The in-addr.arpa / ip6.arpa name of a packed address (lowercase, final dot)."""
    if len(packed) == 4:
        return f"{packed[3]}.{packed[2]}.{packed[1]}.{packed[0]}.in-addr.arpa."
    return ".".join(reversed(packed.hex())) + ".ip6.arpa."


def srv_rdata(port: int, target: str, priority: int = 0, weight: int = 100) -> bytes:
    return struct.pack("!HHH", priority, weight, port) + name_wire(target)


def soa_rdata(domain: str, minimum: int) -> bytes:
    return name_wire(f"ns.dns.{domain}") + name_wire(f"hostmaster.{domain}") + \
        struct.pack("!IIIII", 1, 7200, 1800, 86400, minimum)


def rr(rtype: int, ttl: int, rdata: bytes, owner: bytes = POINTER_TO_QUESTION) -> bytes:
    """One resource record (owner defaults to the question's name)."""
    return owner + struct.pack("!HHIH", rtype, CLASS_IN, ttl, len(rdata)) + rdata


def header_tail(rcode: int, answers: int, authority: int = 0, *, authoritative: bool = True) -> bytes:
    """Header bytes 2..12 of a reply: QR, AA, RA and the rcode; one question; the counts."""
    return bytes((0x80 | (0x04 if authoritative else 0), 0x80 | rcode)) + struct.pack("!HHHH", 1, answers, authority, 0)
