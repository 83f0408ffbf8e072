"""`kube dns`: cluster DNS from Services and EndpointSlices (see kube/dns/__init__.py).

It listens on an unprivileged port (--dns-port, 10053, UDP and TCP) and the `kube-dns`
Service maps port 53 of --cluster-ip to it; /healthz, /readyz and /metrics are on --port
(9153, CoreDNS' metrics port). Ready once the informers have synced and the answers are
loaded; the daemon's EndpointSlice appears only then and goes on a graceful stop.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import socket

from prometheus_client import CollectorRegistry

from kube.component.daemon import run_daemon
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags, add_serving_flags, client_from_flags, port_number
from kube.component.health_server import serve_health
from kube.component.resolv_conf import read_resolv_conf

log = logging.getLogger("kube.dns")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dns", help="run cluster DNS (<svc>.<ns>.svc.<domain>) from Services and EndpointSlices")
    add_daemon_flags(p, "dns")
    p.add_argument("--dns-port", type=port_number, default=10053, metavar="PORT",
                   help="the DNS port, UDP and TCP (the kube-dns Service's targetPort)")
    p.add_argument("--cluster-domain", default="cluster.local", help="the zone answered here (default cluster.local)")
    p.add_argument("--upstream", default="", metavar="IP[:PORT],...",
                   help="resolvers for other names (default: the nameservers of /etc/resolv.conf)")
    p.add_argument("--cluster-ip", default="10.96.0.10", help="the kube-dns Service's ClusterIP")
    p.add_argument("--advertise-address", default="",
                   help="the address published in this daemon's EndpointSlice (default: of the default route)")
    p.add_argument("--hostname-override", default="", help="names this daemon's EndpointSlice (default: hostname)")
    add_serving_flags(p, bind_address="", port=9153,
                      bind_help="address to serve DNS and /metrics on (default: --advertise-address)")
    p.set_defaults(func=run)


def parse_upstreams(text: str) -> list[tuple[str, int]]:
    """`1.1.1.1,[::1]:5353,10.0.0.2:53` -> [(host, port)]; the host's resolvers when text is empty."""
    items = [i.strip() for i in text.split(",") if i.strip()] if text else read_resolv_conf().nameservers
    out: list[tuple[str, int]] = []
    for item in items:
        host, port = item, "53"
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else "53"
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            ipaddress.ip_address(host)
            number = int(port)
            if not 0 < number < 65536:
                raise ValueError
        except ValueError:
            raise UsageError(f"--upstream: {item!r} is not IP[:PORT]") from None
        out.append((host, number))
    return out


def default_route_address() -> str:
    """The source address the kernel picks for the default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 53))  # TEST-NET-1: only the route lookup matters
        except OSError:
            raise UsageError("no default route: give --advertise-address") from None
        return str(s.getsockname()[0])


def _domain(text: str) -> str:
    labels = text.strip(".").lower().split(".")
    if not text.strip(".") or any(not label or len(label) > 63 for label in labels):
        raise UsageError(f"--cluster-domain {text!r} is not a domain name")
    return ".".join(labels)


async def serve(args: argparse.Namespace, stop: asyncio.Event) -> None:
    from kube.dns.answers import AnswerTable
    from kube.dns.forwarder import Forwarder
    from kube.dns.publisher import Publisher
    from kube.dns.server import DnsCollector, DnsServer
    from kube.dns.zone_loop import ZoneLoop

    if not args.upstreams:
        log.warning("no upstream resolvers (--upstream, /etc/resolv.conf): names outside %s get SERVFAIL",
                    args.domain)
    client = client_from_flags(args, "kube-dns")
    registry = CollectorRegistry()
    from kube.component.gc_pauses import register_gc_pauses
    register_gc_pauses(registry)
    table = AnswerTable(args.domain)
    server = DnsServer(table, Forwarder(args.upstreams))
    DnsCollector(server, registry)
    zones = ZoneLoop(client, table, args.domain)
    publisher = Publisher(client, hostname=args.hostname, address=args.advertise_address,
                          cluster_ip=args.cluster_ip, dns_port=args.dns_port)
    zones.watch_own(publisher.changed)
    runner = None
    tasks: list[asyncio.Future] = []
    try:
        await server.start(args.bind_address, args.dns_port)
        publisher.dns_port = server.port  # --dns-port 0 (kube up beside another cluster): the port it got
        runner = await serve_health(args.bind_address, args.port, registry, ready=zones.loaded)
        work = asyncio.ensure_future(zones.run())
        tasks = [work, asyncio.ensure_future(stop.wait())]
        ready = asyncio.ensure_future(zones.wait_loaded())
        await asyncio.wait({*tasks, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if zones.loaded() and not stop.is_set():
            tasks.append(asyncio.ensure_future(publisher.run()))
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if publisher.published:
            await publisher.withdraw()
        await server.stop()
        if runner is not None:
            await runner.cleanup()
        await client.close()
    for task in tasks[:1]:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]  # an informer died: exit, do not answer from a frozen table


def run(args: argparse.Namespace) -> int:
    args.domain = _domain(args.cluster_domain)
    args.upstreams = parse_upstreams(args.upstream)
    try:
        ipaddress.ip_address(args.cluster_ip)
    except ValueError:
        raise UsageError(f"--cluster-ip {args.cluster_ip!r} is not an IP address") from None
    if args.advertise_address:
        try:
            ipaddress.ip_address(args.advertise_address)
        except ValueError:
            raise UsageError(f"--advertise-address {args.advertise_address!r} is not an IP address") from None
    else:
        args.advertise_address = default_route_address()
    # A UDP server on a wildcard address of a multi-homed host answers a query that arrived through
    # the kube-dns Service's DNAT from whatever address routes back to the pod (its bridge's
    # gateway), so conntrack cannot undo the DNAT and the pod drops the reply. Bound to the
    # published address it answers from that address; 0.0.0.0 stays available when asked for.
    args.bind_address = args.bind_address or args.advertise_address
    args.hostname = args.hostname_override or socket.gethostname()
    ours = {(args.cluster_ip, 53), (args.advertise_address, args.dns_port)}
    args.upstreams = [u for u in args.upstreams if u not in ours]  # asking ourselves would loop until timeout
    return run_daemon(args, lambda stop: serve(args, stop))
