"""The DNS listeners: one UDP endpoint and one TCP server on the same address and port.

A UDP query found in the answer table is answered inside `datagram_received`, with no task
and no parsing; anything else (forwarding, synthesis) runs as a task. UDP replies longer
than the client can take (512 bytes, or 1232 when it sent an EDNS record, the size DNS
Flag Day 2020 settled on) are cut to their question with TC set, and the client asks again
over TCP, where replies carry a two-byte length, as RFC 1035 and 7766 say.
"""

from __future__ import annotations

import asyncio
import logging
import struct

from dnslib import RCODE
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from kube.dns.answers import AnswerTable, error_reply, question_key, question_of, truncated
from kube.dns.forwarder import Forwarder

log = logging.getLogger("kube.dns")
PLAIN_UDP, EDNS_UDP = 512, 1232
TCP_IDLE = 10.0


class DnsServer:
    def __init__(self, table: AnswerTable, forwarder: Forwarder) -> None:
        self.table = table
        self.forwarder = forwarder
        self.requests = {"udp": 0, "tcp": 0}
        self.rcodes: dict[int, int] = {}
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def resolve(self, query: bytes, *, tcp: bool) -> bytes:
        """The reply to one query (the table, then synthesis under the cluster domain, then upstream)."""
        reply = self.table.answer(query)
        if reply is not None:
            return reply
        found = question_key(query)
        if found is None:
            rcode = RCODE.NOTIMP if len(query) > 2 and query[2] & 0x78 else RCODE.FORMERR
            return error_reply(query, rcode)
        key, _ = found
        name, _qtype = question_of(key)
        if self.table.is_cluster_name(name):
            return self.table.synthesize(query, found)
        return self.forwarder.cached(query, key) or await self.forwarder.forward(query, key, tcp=tcp)

    def _count(self, proto: str, reply: bytes) -> None:
        self.requests[proto] += 1
        rcode = reply[3] & 0x0F if len(reply) > 3 else RCODE.SERVFAIL
        self.rcodes[rcode] = self.rcodes.get(rcode, 0) + 1

    # --- UDP ------------------------------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: tuple) -> None:
        reply = self.table.answer(data)
        if reply is not None:
            self._send_udp(data, reply, addr)
            return
        if len(data) < 2 or (len(data) > 2 and data[2] & 0x80):
            return  # not a query (a reply, or noise): never answer it, or two servers could ping-pong
        found = question_key(data)
        if found is not None and (cached := self.forwarder.cached(data, found[0])) is not None:
            self._send_udp(data, cached, addr)  # an external name answered before: no task either
            return
        task = asyncio.ensure_future(self._udp_slow(data, addr))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _udp_slow(self, data: bytes, addr: tuple) -> None:
        try:
            reply = await self.resolve(data, tcp=False)
        except Exception:  # noqa: BLE001 - one bad query must not stop the server
            log.exception("dns query failed")
            reply = error_reply(data, RCODE.SERVFAIL)
        self._send_udp(data, reply, addr)

    def _send_udp(self, query: bytes, reply: bytes, addr: tuple) -> None:
        self._count("udp", reply)
        limit = EDNS_UDP if len(query) > 11 and query[11] else PLAIN_UDP  # ARCOUNT > 0: an OPT record
        if len(reply) > limit:
            found = question_key(query)
            reply = truncated(reply, found[1]) if found else error_reply(query, RCODE.SERVFAIL)
        if self._udp is not None:
            self._udp.sendto(reply, addr)

    # --- TCP ------------------------------------------------------------------------------------
    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                async with asyncio.timeout(TCP_IDLE):
                    size = struct.unpack("!H", await reader.readexactly(2))[0]
                    query = await reader.readexactly(size)
                reply = await self.resolve(query, tcp=True)
                self._count("tcp", reply)
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        server = self

        class Protocol(asyncio.DatagramProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                server._udp = transport  # type: ignore[assignment]

            def datagram_received(self, data: bytes, addr: tuple) -> None:
                server.datagram_received(data, addr)

        await loop.create_datagram_endpoint(Protocol, local_addr=(host, port), reuse_port=False)
        try:  # port 0: TCP takes the port UDP was given, so one number serves both
            self._tcp = await asyncio.start_server(self._tcp_client, host, self.port, reuse_address=True)
        except BaseException:
            self._udp.close()  # type: ignore[union-attr]
            raise
        log.info("dns serving on %s:%d (UDP and TCP)", host, self.port)

    @property
    def port(self) -> int:
        assert self._udp is not None
        return int(self._udp.get_extra_info("sockname")[1])

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.forwarder.close()


class DnsCollector:
    """CoreDNS' metric names over the server's plain counters (no lock on the answer path)."""

    def __init__(self, server: DnsServer, registry: CollectorRegistry) -> None:
        self.server = server
        registry.register(self)

    def collect(self):  # noqa: ANN201 - prometheus-client's collector protocol
        s = self.server
        requests = CounterMetricFamily("coredns_dns_requests", "DNS queries answered", labels=["proto"])
        for proto, count in s.requests.items():
            requests.add_metric([proto], count)
        responses = CounterMetricFamily("coredns_dns_responses", "DNS replies by rcode", labels=["rcode"])
        for rcode, count in sorted(s.rcodes.items()):
            responses.add_metric([RCODE.get(rcode, str(rcode))], count)
        forwarded = CounterMetricFamily("coredns_forward_requests", "queries sent to an upstream")
        forwarded.add_metric([], s.forwarder.forwarded)
        hits = CounterMetricFamily("coredns_cache_hits", "upstream answers reused from the cache")
        hits.add_metric([], s.forwarder.hits)
        entries = GaugeMetricFamily("kube_dns_answer_entries", "cluster answers held, precomputed")
        entries.add_metric([], len(s.table.entries))
        return [requests, responses, forwarded, hits, entries]
