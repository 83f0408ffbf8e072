"""The listeners in-process: truncation to TCP, bad packets, an upstream that is down, and
the EndpointSlice controllers leaving the daemons' own slices alone."""

from __future__ import annotations

import asyncio
import socket
import struct

from dnslib import EDNS0, QTYPE, RCODE, DNSRecord

from kube.controllers.endpointslice.controller import _service_of
from kube.controllers.endpointslice.mirroring import _mirrored_by_service, reconcile_mirror
from kube.dns.answers import AnswerTable
from kube.dns.forwarder import Forwarder
from kube.dns.publisher import desired_service, desired_slice
from kube.dns.records import cluster_records
from kube.dns.server import DnsServer
from tests.conftest import free_port
from tests.dns.cluster_objects import endpoint_slice, service
from tests.dns.upstream import EXTERNAL_IP, upstream


async def started(services: list, slices: list, upstreams: list[tuple[str, int]]) -> DnsServer:
    table = AnswerTable("cluster.local")
    table.load(cluster_records(services, slices, "cluster.local"))
    server = DnsServer(table, Forwarder(upstreams, timeout=0.5))
    await server.start("127.0.0.1", 0)
    return server


async def udp(port: int, packet: bytes) -> bytes:
    def ask() -> bytes:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(packet, ("127.0.0.1", port))
            return s.recv(65535)
    return await asyncio.to_thread(ask)


async def tcp(port: int, packet: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(struct.pack("!H", len(packet)) + packet)
        size = struct.unpack("!H", await reader.readexactly(2))[0]
        return await reader.readexactly(size)
    finally:
        writer.close()


def query(name: str, qtype: str = "A", *, edns: bool = False) -> bytes:
    q = DNSRecord.question(name, qtype)
    if edns:
        q.add_ar(EDNS0(udp_len=1232))
    return bytes(q.pack())


async def test_a_large_headless_answer_is_truncated_over_udp_and_whole_over_tcp() -> None:
    many = [(f"10.244.{i // 250}.{i % 250 + 1}", True) for i in range(100)]
    server = await started([service("big", cluster_ip="None")], [endpoint_slice("big", many)], [])
    try:
        name = "big.default.svc.cluster.local"
        cut = DNSRecord.parse(await udp(server.port, query(name)))
        assert cut.header.tc == 1 and not cut.rr and str(cut.q.qname) == name + "."
        whole = DNSRecord.parse(await tcp(server.port, query(name)))
        assert whole.header.tc == 0 and len(whole.rr) == 100
        edns = DNSRecord.parse(await udp(server.port, query(name, edns=True)))
        assert edns.header.tc == 1  # 100 records are more than 1232 bytes too
        small = DNSRecord.parse(await udp(server.port, query("10-244-0-1.big.default.svc.cluster.local")))
        assert small.header.tc == 0 and str(small.rr[0].rdata) == "10.244.0.1"
    finally:
        await server.stop()


async def test_bad_packets_get_formerr_or_nothing() -> None:
    server = await started([], [], [])
    try:
        two_questions = bytearray(query("a.example"))
        two_questions[5] = 2
        reply = DNSRecord.parse(await udp(server.port, bytes(two_questions)))
        assert reply.header.rcode == RCODE.FORMERR and reply.header.id == struct.unpack_from("!H", two_questions)[0]
        reply_packet = bytearray(query("a.example"))
        reply_packet[2] |= 0x80  # a response: never answered (two servers must not ping-pong)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            s.sendto(bytes(reply_packet), ("127.0.0.1", server.port))
            try:
                s.recv(512)
                answered = True
            except TimeoutError:
                answered = False
        assert not answered
        assert DNSRecord.parse(await tcp(server.port, query("x.cluster.local", "MX"))).header.rcode == RCODE.NXDOMAIN
    finally:
        await server.stop()


async def test_forwarding_and_an_upstream_that_is_down() -> None:
    dead = free_port()  # nothing listens there
    with upstream() as (port, resolver):
        server = await started([], [], [("127.0.0.1", dead), ("127.0.0.1", port)])  # the second answers
        try:
            reply = DNSRecord.parse(await udp(server.port, query("example.test")))
            assert [str(rr.rdata) for rr in reply.rr] == [EXTERNAL_IP]
            assert DNSRecord.parse(await udp(server.port, query("example.test", "AAAA"))).header.rcode == RCODE.NOERROR
        finally:
            await server.stop()
    server = await started([], [], [("127.0.0.1", dead)])
    try:
        assert DNSRecord.parse(await udp(server.port, query("example.test"))).header.rcode == RCODE.SERVFAIL
    finally:
        await server.stop()


def test_endpointslice_controllers_leave_the_dns_daemons_slices_alone() -> None:
    svc = {**desired_service("10.96.0.10", 10053), "metadata": {**desired_service("10.96.0.10", 10053)["metadata"],
                                                                 "uid": "u-dns"}}
    ours = desired_slice("master-1", "192.168.0.5", 10053, svc)
    assert _service_of(ours) == [] and _mirrored_by_service(ours) == []  # neither indexes it as its own
    assert reconcile_mirror(svc, None, []) == []  # no Endpoints for kube-dns: nothing to mirror or delete
    assert ours["metadata"]["name"] == "kube-dns-master-1" and QTYPE.A == 1
    assert desired_slice("Master_2.Example.COM", "10.0.0.2", 53, svc)["metadata"]["name"] == \
        "kube-dns-master-2.example.com"  # a valid object name from any hostname
