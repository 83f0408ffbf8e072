"""`kube proxy`: Service load balancing on this node (ClusterIP and NodePort) from EndpointSlices.

/healthz and /metrics are served over plain HTTP on --bind-address:--port; the default
port is 10256, kube-proxy's own healthz port (it serves metrics on 10249; one port is
enough here).

Local traffic policies serve the endpoints of this proxy's node (--hostname-override) and of
--local-nodes: the nodes that share this network namespace, as `kube up`'s docker minions
share the machine's, and whose pods are therefore as local as this node's.

After each sync the proxy publishes what it programmed in the Lease kube-proxy-<hostname>
(kube/proxy/programmed_lease.py), so node agents hold a deleted pod's SIGTERM until no proxy
sends it new connections.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import socket

from prometheus_client import CollectorRegistry

from kube.component.daemon import run_daemon
from kube.component.duration import duration_flag
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags, add_serving_flags, client_from_flags
from kube.component.health_server import serve_health
from kube.component.logs import setup_logging_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("proxy", help="run the service proxy of this node (ClusterIP and NodePort)")
    add_daemon_flags(p, "proxy")
    p.add_argument("--mode", choices=("iptables", "userspace"), default="iptables")
    p.add_argument("--hostname-override", default="",
                   help="this node's name: its endpoints serve Local traffic policies (default: the hostname)")
    p.add_argument("--local-nodes", default="", metavar="NAME,...",
                   help="more nodes sharing this network namespace (comma-separated): their endpoints are local too")
    p.add_argument("--cluster-cidr", default="10.244.0.0/16",
                   help="pod range: traffic from outside it to a ClusterIP is masqueraded ('' masquerades all)")
    p.add_argument("--service-cluster-ip-range", default="10.96.0.0/12",
                   help="ClusterIP range: routed to the kube-svc0 dummy link so the node itself reaches Services")
    p.add_argument("--cleanup", action="store_true",
                   help="remove every iptables rule and chain and the kube-svc0 link we made, then exit")
    p.add_argument("--userspace-address", default="127.0.0.1", help="userspace mode: NodePort listen address")
    p.add_argument("--min-sync-period", type=duration_flag, default=0.1, metavar="DURATION")
    p.add_argument("--sync-period", type=duration_flag, default=30.0, metavar="DURATION")
    add_serving_flags(p, port=10256)
    p.set_defaults(func=run)


def _cidr(flag: str, text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a CIDR") from None


def _cluster_cidr(text: str) -> str | None:
    return _cidr("--cluster-cidr", text) if text else None


def hostname(args: argparse.Namespace) -> str:
    return args.hostname_override or socket.gethostname().lower()


def local_nodes(args: argparse.Namespace) -> frozenset[str]:
    """This node and every --local-nodes name: whose endpoints are local."""
    extra = {name.strip() for name in args.local_nodes.split(",") if name.strip()}
    return frozenset({hostname(args), *extra})


async def serve(args: argparse.Namespace, cluster_cidr: str | None, service_cidr: str,
                stop: asyncio.Event) -> None:
    from kube.proxy.programmed_lease import ProgrammedLease
    from kube.proxy.proxier import Executor, IptablesExecutor, Proxier
    from kube.proxy.userspace import UserspaceProxier

    client = client_from_flags(args, "kube-proxy")
    registry = CollectorRegistry()  # the process's one registry, served on /metrics
    executor: Executor = (IptablesExecutor(cluster_cidr, service_cidr=service_cidr) if args.mode == "iptables"
                          else UserspaceProxier(args.userspace_address))
    proxier = Proxier(client, executor, min_sync_period=args.min_sync_period, sync_period=args.sync_period,
                      registry=registry, local_nodes=local_nodes(args))
    lease = ProgrammedLease(client, hostname(args))
    proxier.on_programmed = lease.programmed
    runner = None
    work = asyncio.ensure_future(proxier.run())
    publishing = asyncio.ensure_future(lease.run())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        runner = await serve_health(args.bind_address, args.port, registry, ready=proxier.healthy)
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (work, publishing, stopped):
            task.cancel()
        await asyncio.gather(work, publishing, stopped, return_exceptions=True)
        if runner is not None:
            await runner.cleanup()
        await client.close()
    if work.done() and not work.cancelled() and work.exception() is not None:
        raise work.exception()  # type: ignore[misc]  # the proxier died: exit, do not live on deaf


def run(args: argparse.Namespace) -> int:
    cluster_cidr = _cluster_cidr(args.cluster_cidr)
    service_cidr = _cidr("--service-cluster-ip-range", args.service_cluster_ip_range)
    if args.cleanup or args.mode == "iptables":
        from kube.proxy import iptables_executor

        setup_logging_from(args)
        why = iptables_executor.iptables_usable()
        if why is not None:
            raise UsageError(f"iptables mode unavailable: {why} (try --mode userspace)")
        if args.cleanup:
            removed = iptables_executor.cleanup()
            print(f"removed {len(removed)} kube-proxy rules and chains")
            return 0
        iptables_executor.enable_route_localnet()
    return run_daemon(args, lambda stop: serve(args, cluster_cidr, service_cidr, stop))
