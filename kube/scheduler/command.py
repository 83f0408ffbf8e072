"""`kube scheduler`: the scheduler process.

    kube scheduler --kubeconfig K [--config FILE] [--leader-elect] [--api-servers URL,...]
                   [--bind-address 127.0.0.1 --secure-port N --tls-cert-file C --tls-private-key-file K | --port N]

Watches Nodes and Pods, schedules pending pods of its profiles, binds through
pods/binding. With --leader-elect only the holder of the kube-system/kube-scheduler
Lease schedules; a scheduler that loses the Lease stops scheduling (its informers
stop, in-flight bindings drain) and campaigns again, so two can run and exactly
one works. The shared flags, the run loop and the step-down are kube/component's.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import ssl

from prometheus_client import CollectorRegistry

from kube import __version__
from kube.client.leader_election import LeaderElectionConfig
from kube.component.daemon import run_daemon
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags, add_serving_flags, client_from_flags, port_number
from kube.component.health_server import serve_health
from kube.component.leadership import Leadership, add_leader_election_flags, leader_election_config
from kube.scheduler.config import Profile, load_config

log = logging.getLogger("kube.scheduler")
DEFAULT_SECURE_PORT = 10259
LEASE_NAME = "kube-scheduler"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("scheduler", help="run the scheduler")
    add_daemon_flags(p, "scheduler", verbosity=1)
    p.add_argument("--config", help="KubeSchedulerConfiguration file (profiles, plugins, weights)")
    add_leader_election_flags(p, default=False, lease_name=LEASE_NAME)
    add_serving_flags(p, port=0, port_help="plain HTTP /healthz and /metrics (0: off)")
    p.add_argument("--secure-port", type=port_number, default=0,
                   help=f"HTTPS /healthz and /metrics (kube-scheduler: {DEFAULT_SECURE_PORT}; 0: off)")
    p.add_argument("--tls-cert-file")
    p.add_argument("--tls-private-key-file")
    p.add_argument("--engine", choices=("auto", "cython", "python"), default="auto")
    p.add_argument("--seed", type=int, default=0, help="tie-break seed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kube.api.errors import StatusError

    try:
        profiles = load_config(args.config)
    except StatusError as exc:
        raise UsageError(exc.message) from None
    if args.secure_port and not (args.tls_cert_file and args.tls_private_key_file):
        raise UsageError("--secure-port needs --tls-cert-file and --tls-private-key-file")
    election = leader_election_config(args, LEASE_NAME)
    return run_daemon(args, lambda stop: _main(args, profiles, election, stop))


async def _main(args: argparse.Namespace, profiles: list[Profile], election: LeaderElectionConfig | None,
                stop: asyncio.Event) -> int:
    from kube.client.informer import SharedInformerFactory, run_supervised
    from kube.component.startup_gc import caches_released, synced_with_collector_paused
    from kube.scheduler.api_binding import ApiBinder, ApiEvents, wire_informers
    from kube.scheduler.scheduler import Scheduler

    client = client_from_flags(args, "kube-scheduler")
    registry = CollectorRegistry()  # the process's one registry, served on /metrics
    from kube.component.gc_pauses import register_gc_pauses
    register_gc_pauses(registry)

    async def lead(term: CollectorRegistry) -> None:
        """One term of scheduling: a fresh cache from a fresh list of the cluster."""
        sched = Scheduler(profiles, binder=ApiBinder(client), engine=args.engine, seed=args.seed,
                          events=ApiEvents(client), registry=term)
        sched.log_binds = args.v >= 2
        log.info("scheduling (engine %s, profiles %s)", sched.engine, ", ".join(sched.frameworks))
        factory = SharedInformerFactory(client)
        wire_informers(factory, sched)
        factory.start()
        try:
            await synced_with_collector_paused(factory.wait_for_cache_sync)
            log.info("caches synced: %d nodes, %d pending pods", sched.cache.table.nodes, len(sched.queue))
            await run_supervised(sched.run(stop), factory)  # an informer that dies of a bug ends the term
        finally:
            await factory.stop()
            await sched.drain_binds()  # bindings in flight finish (or fail); none start after a step-down
            caches_released()  # this term's caches, frozen once synced, are garbage now

    leadership = Leadership(client, LEASE_NAME, election, lead, registry=registry)
    runners = []
    try:
        for port, tls in ((args.port, None), (args.secure_port, _tls(args))):
            runner = await serve_health(args.bind_address, port, registry, ready=leadership.is_leader, tls=tls)
            if runner is not None:
                runners.append(runner)
        log.info("kube scheduler %s starting", __version__)
        await leadership.run(stop)
    finally:
        for runner in runners:
            await runner.cleanup()
        await client.close()
    return 0


def _tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.secure_port:
        return None
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.tls_cert_file, args.tls_private_key_file)
    return tls
