"""`kube controller-manager`: every controller in one process, with leader election.

Only the holder of the kube-system/kube-controller-manager Lease runs controllers; one that
loses the Lease stops them and campaigns again in the same process (kube/component/leadership.py).
/healthz and /metrics are served over plain HTTP on --bind-address:--port (Kubernetes
serves 10257 over HTTPS; a plain local port is enough here and needs no certificates).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress

from prometheus_client import CollectorRegistry

from kube.client.leader_election import LeaderElectionConfig
from kube.component.bool_flag import add_bool_flag
from kube.component.daemon import run_daemon
from kube.component.duration import duration_flag
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags, add_serving_flags, client_from_flags
from kube.component.health_server import serve_health
from kube.component.leadership import Leadership, add_leader_election_flags, leader_election_config
from kube.controllers.context import ControllerOptions

LEASE_NAME = "kube-controller-manager"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("controller-manager", help="run the controllers (ReplicaSet, Deployment, Endpoints, ...)")
    add_daemon_flags(p, "controller-manager")
    add_leader_election_flags(p, default=True, lease_name=LEASE_NAME)
    p.add_argument("--controllers", default="*", help="'*', names, or -name to disable (comma separated)")
    p.add_argument("--cluster-cidr", default="10.244.0.0/16")
    p.add_argument("--node-cidr-mask-size", type=int, default=24)
    add_bool_flag(p, "allocate-node-cidrs", True, "give every Node a podCIDR from --cluster-cidr")
    p.add_argument("--node-monitor-grace-period", type=duration_flag, default=40.0, metavar="DURATION")
    p.add_argument("--node-monitor-period", type=duration_flag, default=5.0, metavar="DURATION")
    p.add_argument("--default-not-ready-toleration-seconds", type=int, default=300)
    p.add_argument("--terminated-pod-gc-threshold", type=int, default=12500)
    p.add_argument("--pod-gc-period", type=duration_flag, default=20.0, help=argparse.SUPPRESS)
    p.add_argument("--concurrent-deployment-syncs", type=int, default=5)
    p.add_argument("--concurrent-replicaset-syncs", type=int, default=5)
    p.add_argument("--concurrent-endpoint-syncs", type=int, default=5)
    p.add_argument("--concurrent-job-syncs", type=int, default=5)
    p.add_argument("--concurrent-cron-job-syncs", type=int, default=5)
    p.add_argument("--max-endpoints-per-slice", type=int, default=100)
    p.add_argument("--cluster-signing-cert-file", default="", metavar="FILE",
                   help="PEM CA certificate csrsigning issues cluster certificates with")
    p.add_argument("--cluster-signing-key-file", default="", metavar="FILE", help="its PEM private key")
    p.add_argument("--cluster-signing-duration", type=duration_flag, default=8760 * 3600.0, metavar="DURATION",
                   help="the longest life of a signed certificate (default 8760h)")
    add_serving_flags(p, port=10257)
    p.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> ControllerOptions:
    for flag in ("concurrent_deployment_syncs", "concurrent_replicaset_syncs", "concurrent_endpoint_syncs",
                 "concurrent_job_syncs", "concurrent_cron_job_syncs"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag.replace('_', '-')} must be at least 1")
    if not 1 <= args.max_endpoints_per_slice <= 1000:
        raise UsageError("--max-endpoints-per-slice must be between 1 and 1000")
    if args.node_monitor_grace_period <= 0:
        raise UsageError("--node-monitor-grace-period must be positive")
    check_signing_flags(args)
    try:
        net = ipaddress.ip_network(args.cluster_cidr, strict=False)
    except ValueError:
        raise UsageError(f"--cluster-cidr {args.cluster_cidr!r} is not a CIDR") from None
    if not net.prefixlen <= args.node_cidr_mask_size <= net.max_prefixlen:
        raise UsageError(f"--node-cidr-mask-size {args.node_cidr_mask_size} does not fit in {net}")
    return ControllerOptions(
        cluster_cidr=args.cluster_cidr, node_cidr_mask_size=args.node_cidr_mask_size,
        allocate_node_cidrs=args.allocate_node_cidrs,
        node_monitor_grace_period=args.node_monitor_grace_period, node_monitor_period=args.node_monitor_period,
        default_toleration_seconds=args.default_not_ready_toleration_seconds,
        terminated_pod_gc_threshold=args.terminated_pod_gc_threshold, pod_gc_period=args.pod_gc_period,
        concurrent_deployment_syncs=args.concurrent_deployment_syncs,
        concurrent_replicaset_syncs=args.concurrent_replicaset_syncs,
        concurrent_endpoint_syncs=args.concurrent_endpoint_syncs, max_endpoints_per_slice=args.max_endpoints_per_slice,
        concurrent_job_syncs=args.concurrent_job_syncs, concurrent_cron_job_syncs=args.concurrent_cron_job_syncs,
        cluster_signing_cert_file=args.cluster_signing_cert_file,
        cluster_signing_key_file=args.cluster_signing_key_file,
        cluster_signing_duration=args.cluster_signing_duration)


def check_signing_flags(args: argparse.Namespace) -> None:
    """The signing CA is read at start, so a bad file is one line rather than a silent signer."""
    from kube.controllers.certificates.authority import Authority, AuthorityError

    if bool(args.cluster_signing_cert_file) != bool(args.cluster_signing_key_file):
        raise UsageError("--cluster-signing-cert-file and --cluster-signing-key-file go together")
    if args.cluster_signing_duration <= 0:
        raise UsageError("--cluster-signing-duration must be positive")
    if args.cluster_signing_cert_file:
        try:
            Authority.load(args.cluster_signing_cert_file, args.cluster_signing_key_file)
        except AuthorityError as exc:
            raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from kube.controllers.manager import select_controllers

    options = options_from(args)
    try:
        select_controllers(args.controllers.split(","))
    except ValueError as exc:
        raise UsageError(f"--controllers: {exc}") from None
    election = leader_election_config(args, LEASE_NAME)
    return run_daemon(args, lambda stop: serve(args, options, election, stop))


async def serve(args: argparse.Namespace, options: ControllerOptions, election: LeaderElectionConfig | None,
                stop: asyncio.Event) -> None:
    from kube.controllers.manager import ControllerManager

    client = client_from_flags(args, "kube-controller-manager")
    registry = CollectorRegistry()  # the process's one registry, served on /metrics
    from kube.component.gc_pauses import register_gc_pauses
    register_gc_pauses(registry)

    async def lead(term: CollectorRegistry) -> None:
        """One term: fresh informers and controllers, from a fresh list of the cluster."""
        await ControllerManager(client, args.controllers.split(","), options, registry=term).run()

    leadership = Leadership(client, LEASE_NAME, election, lead, registry=registry)
    runner = None
    try:
        runner = await serve_health(args.bind_address, args.port, registry, ready=leadership.is_leader)
        await leadership.run(stop)
    finally:
        if runner is not None:
            await runner.cleanup()
        await client.close()
