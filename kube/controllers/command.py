"""`kube controller-manager`: every controller in one process, with leader election.

/healthz and /metrics are served over plain HTTP on --bind-address:--port (Kubernetes
serves 10257 over HTTPS; a plain local port is enough here and needs no certificates).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from kube import __version__
from kube.cli.bool_flag import add_bool_flag
from kube.controllers.context import ControllerOptions


def _duration(text: str) -> float:
    """Kubernetes durations: 40s, 5m, 1h, 500ms or plain seconds."""
    text = text.strip()
    for suffix, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if text.endswith(suffix) and text[:-len(suffix)].replace(".", "", 1).isdigit():
            return float(text[:-len(suffix)]) * factor
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (use e.g. 40s, 5m)") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("controller-manager", help="run the controllers (ReplicaSet, Deployment, Endpoints, ...)")
    p.add_argument("--version", action="version", version=f"kube controller-manager {__version__}")
    p.add_argument("--kubeconfig", default=None)
    p.add_argument("--api-servers", default="", help="URL,URL,... overriding the kubeconfig's server")
    add_bool_flag(p, "leader-elect", True, "only the holder of the kube-system/kube-controller-manager Lease works")
    p.add_argument("--leader-elect-lease-duration", type=_duration, default=15.0)
    p.add_argument("--leader-elect-renew-deadline", type=_duration, default=10.0)
    p.add_argument("--leader-elect-retry-period", type=_duration, default=2.0)
    p.add_argument("--controllers", default="*", help="'*', names, or -name to disable (comma separated)")
    p.add_argument("--cluster-cidr", default="10.244.0.0/16")
    p.add_argument("--node-cidr-mask-size", type=int, default=24)
    add_bool_flag(p, "allocate-node-cidrs", True, "give every Node a podCIDR from --cluster-cidr")
    p.add_argument("--node-monitor-grace-period", type=_duration, default=40.0)
    p.add_argument("--node-monitor-period", type=_duration, default=5.0)
    p.add_argument("--default-not-ready-toleration-seconds", type=int, default=300)
    p.add_argument("--terminated-pod-gc-threshold", type=int, default=12500)
    p.add_argument("--pod-gc-period", type=_duration, default=20.0, help=argparse.SUPPRESS)
    p.add_argument("--concurrent-deployment-syncs", type=int, default=5)
    p.add_argument("--concurrent-replicaset-syncs", type=int, default=5)
    p.add_argument("--concurrent-endpoint-syncs", type=int, default=5)
    p.add_argument("--bind-address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=10257, help="plain-HTTP /healthz and /metrics (0: off)")
    p.add_argument("-v", "--v", dest="verbosity", type=int, default=0)
    p.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> ControllerOptions:
    for flag in ("concurrent_deployment_syncs", "concurrent_replicaset_syncs", "concurrent_endpoint_syncs"):
        if getattr(args, flag) < 1:
            raise SystemExit(f"error: --{flag.replace('_', '-')} must be at least 1")
    if args.node_monitor_grace_period <= 0:
        raise SystemExit("error: --node-monitor-grace-period must be positive")
    import ipaddress

    try:
        net = ipaddress.ip_network(args.cluster_cidr, strict=False)
    except ValueError:
        raise SystemExit(f"error: --cluster-cidr {args.cluster_cidr!r} is not a CIDR") from None
    if not net.prefixlen <= args.node_cidr_mask_size <= net.max_prefixlen:
        raise SystemExit(f"error: --node-cidr-mask-size {args.node_cidr_mask_size} does not fit in {net}")
    return ControllerOptions(
        cluster_cidr=args.cluster_cidr, node_cidr_mask_size=args.node_cidr_mask_size,
        allocate_node_cidrs=args.allocate_node_cidrs,
        node_monitor_grace_period=args.node_monitor_grace_period, node_monitor_period=args.node_monitor_period,
        default_toleration_seconds=args.default_not_ready_toleration_seconds,
        terminated_pod_gc_threshold=args.terminated_pod_gc_threshold, pod_gc_period=args.pod_gc_period,
        concurrent_deployment_syncs=args.concurrent_deployment_syncs,
        concurrent_replicaset_syncs=args.concurrent_replicaset_syncs,
        concurrent_endpoint_syncs=args.concurrent_endpoint_syncs)




async def serve(args: argparse.Namespace, options: ControllerOptions) -> None:
    from kube.client.health_server import serve_health
    from kube.client.leader_election import LeaderElectionConfig, LeaderElector
    from kube.client.rest import RestClient
    from kube.controllers.manager import ControllerManager

    servers = [s for s in args.api_servers.split(",") if s.strip()]
    client = RestClient.from_kubeconfig(args.kubeconfig, api_servers=servers or None,
                                        user_agent="kube-controller-manager")
    manager = ControllerManager(client, args.controllers.split(","), options)
    runner = await serve_health(args.bind_address, args.port, manager.metrics)
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main.cancel)
    try:
        if args.leader_elect:
            config = LeaderElectionConfig("kube-controller-manager", "kube-system",
                                          lease_duration=args.leader_elect_lease_duration,
                                          renew_deadline=args.leader_elect_renew_deadline,
                                          retry_period=args.leader_elect_retry_period)
            elector = LeaderElector(client, config, on_started_leading=manager.run)
            await elector.run()
            logging.getLogger("kube.controllers").error("controller-manager: leadership lost, exiting")
        else:
            await manager.run()
    except asyncio.CancelledError:
        pass
    finally:
        if runner is not None:
            await runner.cleanup()
        await client.close()


def run(args: argparse.Namespace) -> int:
    from kube.cli.logging_setup import setup_logging

    setup_logging(args.verbosity)
    options = options_from(args)
    try:
        from kube.controllers.manager import select_controllers

        select_controllers(args.controllers.split(","))
    except ValueError as exc:
        print(f"error: --controllers: {exc}", file=sys.stderr)
        return 1
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(serve(args, options))
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bad kubeconfig and the like: one clear line
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
