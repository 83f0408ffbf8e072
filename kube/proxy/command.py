"""`kube proxy`: Service load balancing on this node (ClusterIP and NodePort) from Endpoints.

/healthz and /metrics are served over plain HTTP on --bind-address:--port; the default
port is 10256, kube-proxy's own healthz port (it serves metrics on 10249; one port is
enough here).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import sys

from kube import __version__


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("proxy", help="run the service proxy of this node (ClusterIP and NodePort)")
    p.add_argument("--version", action="version", version=f"kube proxy {__version__}")
    p.add_argument("--kubeconfig", default=None)
    p.add_argument("--api-servers", default="", help="URL,URL,... overriding the kubeconfig's server")
    p.add_argument("--mode", choices=("iptables", "userspace"), default="iptables")
    p.add_argument("--hostname-override", default="", help="this node's name (logged; rules are node-agnostic)")
    p.add_argument("--cluster-cidr", default="10.244.0.0/16",
                   help="pod range: traffic from outside it to a ClusterIP is masqueraded ('' masquerades all)")
    p.add_argument("--cleanup", action="store_true", help="remove every iptables rule and chain we made, then exit")
    p.add_argument("--userspace-address", default="127.0.0.1", help="userspace mode: NodePort listen address")
    p.add_argument("--min-sync-period", type=float, default=0.1)
    p.add_argument("--sync-period", type=float, default=30.0)
    p.add_argument("--bind-address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=10256, help="plain-HTTP /healthz and /metrics (0: off)")
    p.add_argument("-v", "--v", dest="verbosity", type=int, default=0)
    p.set_defaults(func=run)


def _cluster_cidr(text: str) -> str | None:
    if not text:
        return None
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise SystemExit(f"error: --cluster-cidr {text!r} is not a CIDR") from None




async def serve(args: argparse.Namespace, cluster_cidr: str | None) -> None:
    from kube.client.health_server import serve_health
    from kube.client.rest import RestClient
    from kube.proxy.proxier import Executor, IptablesExecutor, Proxier
    from kube.proxy.userspace import UserspaceProxier

    servers = [s for s in args.api_servers.split(",") if s.strip()]
    client = RestClient.from_kubeconfig(args.kubeconfig, api_servers=servers or None, user_agent="kube-proxy")
    executor: Executor = (IptablesExecutor(cluster_cidr) if args.mode == "iptables"
                          else UserspaceProxier(args.userspace_address))
    proxier = Proxier(client, executor, min_sync_period=args.min_sync_period, sync_period=args.sync_period)
    runner = None
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main.cancel)
    try:
        runner = await serve_health(args.bind_address, args.port, proxier.metrics, proxier.healthy)
        await proxier.run()
    except asyncio.CancelledError:
        pass
    finally:
        if runner is not None:
            await runner.cleanup()
        await client.close()


def run(args: argparse.Namespace) -> int:
    from kube.cli.logging_setup import setup_logging

    setup_logging(args.verbosity)
    cluster_cidr = _cluster_cidr(args.cluster_cidr)
    if args.cleanup or args.mode == "iptables":
        from kube.proxy import iptables_executor

        why = iptables_executor.iptables_usable()
        if why is not None:
            print(f"error: iptables mode unavailable: {why} (try --mode userspace)", file=sys.stderr)
            return 1
        if args.cleanup:
            removed = iptables_executor.cleanup()
            print(f"removed {len(removed)} kube-proxy rules and chains")
            return 0
        iptables_executor.enable_route_localnet()
    try:
        asyncio.run(serve(args, cluster_cidr))
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bad kubeconfig and the like: one clear line
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
