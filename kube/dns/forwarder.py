"""Names outside the cluster: forwarded to the upstream resolvers, their answers cached.

A query goes to the first upstream, then the next after a timeout (as CoreDNS' forward with
`policy sequential`), under a fresh id, over UDP (TCP when the client asked over TCP or
the upstream truncated). Positive and negative answers are cached for their smallest TTL
(at most MAX_TTL), keyed like the answer table, so a hot external name costs a lookup.
"""

from __future__ import annotations

import asyncio
import random
import struct
import time
from collections.abc import Callable

from dnslib import RCODE, DNSRecord

from kube.dns.answers import HEADER, error_reply

MAX_TTL = 30.0
CACHE_SIZE = 10_000
TIMEOUT = 2.0


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        if len(data) >= HEADER:
            future = self.pending.pop(struct.unpack_from("!H", data)[0], None)
            if future is not None and not future.done():
                future.set_result(data)


def cache_ttl(reply: bytes) -> float:
    """How long a reply may be reused: its records' smallest TTL (the SOA minimum of a negative one)."""
    try:
        parsed = DNSRecord.parse(reply)
    except Exception:  # noqa: BLE001 - dnslib raises several types on junk: then do not cache
        return 0.0
    if parsed.header.rcode not in (RCODE.NOERROR, RCODE.NXDOMAIN):
        return 0.0
    ttls = [rr.ttl for rr in parsed.rr + parsed.auth]
    return float(min([*ttls, MAX_TTL])) if ttls else 0.0


class Forwarder:
    def __init__(self, upstreams: list[tuple[str, int]], *, timeout: float = TIMEOUT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.upstreams = upstreams
        self.timeout = timeout
        self.clock = clock
        self.cache: dict[bytes, tuple[float, bytes]] = {}  # key -> (expiry, reply from byte 2 on)
        self.forwarded = 0
        self.hits = 0
        self.failures = 0
        self._udp: _Upstream | None = None

    def cached(self, query: bytes, key: bytes) -> bytes | None:
        hit = self.cache.get(key)
        if hit is None:
            return None
        if hit[0] < self.clock():
            del self.cache[key]
            return None
        self.hits += 1
        return query[:2] + hit[1]

    async def forward(self, query: bytes, key: bytes, *, tcp: bool = False) -> bytes:
        """The upstream's reply to query (with the client's id), SERVFAIL when none answers."""
        ident = random.getrandbits(16)
        ours = struct.pack("!H", ident) + query[2:]
        for host, port in self.upstreams:
            self.forwarded += 1
            try:
                reply = await (self._tcp(ours, host, port) if tcp else self._udp_query(ours, ident, host, port))
                if not tcp and len(reply) > 2 and reply[2] & 0x02:  # truncated: ask again over TCP
                    reply = await self._tcp(ours, host, port)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                continue
            if len(reply) < HEADER or reply[:2] != ours[:2]:
                continue
            ttl = cache_ttl(reply)
            if ttl > 0:
                if len(self.cache) >= CACHE_SIZE:
                    self.cache.clear()
                self.cache[key] = (self.clock() + ttl, reply[2:])
            return query[:2] + reply[2:]
        self.failures += 1
        return error_reply(query, RCODE.SERVFAIL)

    async def _udp_query(self, query: bytes, ident: int, host: str, port: int) -> bytes:
        if self._udp is None or self._udp.transport is None or self._udp.transport.is_closing():
            _, self._udp = await asyncio.get_running_loop().create_datagram_endpoint(
                _Upstream, local_addr=("0.0.0.0", 0) if ":" not in host else ("::", 0))
        assert self._udp.transport is not None
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._udp.pending[ident] = future
        try:
            self._udp.transport.sendto(query, (host, port))
            async with asyncio.timeout(self.timeout):
                return await future
        finally:
            self._udp.pending.pop(ident, None)

    async def _tcp(self, query: bytes, host: str, port: int) -> bytes:
        async with asyncio.timeout(self.timeout):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(struct.pack("!H", len(query)) + query)
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                return await reader.readexactly(size)
            finally:
                writer.close()

    def close(self) -> None:
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()
