"""A real upstream resolver for the forwarding tests: dnslib's own threaded server on loopback,
answering one external name (and NXDOMAIN for the rest), counting what it was asked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dnslib import RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from tests.conftest import free_port

EXTERNAL_NAME, EXTERNAL_IP = "example.test.", "192.0.2.7"


class OneName(BaseResolver):
    def __init__(self) -> None:
        self.asked: list[str] = []

    def resolve(self, request, handler):  # noqa: ANN001, ANN201 - dnslib's resolver protocol
        reply = request.reply()
        name = str(request.q.qname).lower()
        self.asked.append(name)
        if name == EXTERNAL_NAME:
            reply.add_answer(*RR.fromZone(f"{EXTERNAL_NAME} 60 A {EXTERNAL_IP}"))
        else:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


@contextmanager
def upstream() -> Iterator[tuple[int, OneName]]:
    """(port, resolver) of a UDP + TCP resolver on 127.0.0.1, stopped on exit."""
    port, resolver = free_port(), OneName()
    quiet = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    servers = [DNSServer(resolver, "127.0.0.1", port, tcp=tcp, logger=quiet) for tcp in (False, True)]
    for s in servers:
        s.start_thread()
    try:
        yield port, resolver
    finally:
        for s in servers:
            s.stop()
            s.server.server_close()
