"""`kube scheduler`: the scheduler process.

    kube scheduler --kubeconfig K [--config FILE] [--leader-elect] [--api-servers URL,...]
                   [--bind-address 127.0.0.1 --secure-port N --tls-cert-file C --tls-private-key-file K | --port N]

Watches Nodes and Pods, schedules pending pods of its profiles, binds through
pods/binding. With --leader-elect only the holder of the kube-system/kube-scheduler
Lease schedules; the others wait, so two can run and exactly one works.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import ssl

from kube import __version__
from kube.cli.bool_flag import add_bool_flag

log = logging.getLogger("kube.scheduler")
DEFAULT_SECURE_PORT = 10259


def register(subparsers) -> None:
    p = subparsers.add_parser("scheduler", help="run the scheduler")
    p.add_argument("--kubeconfig", help="kubeconfig with the API server and credentials")
    p.add_argument("--api-servers", help="comma-separated API server URLs (override the kubeconfig's)")
    p.add_argument("--config", help="KubeSchedulerConfiguration file (profiles, plugins, weights)")
    add_bool_flag(p, "leader-elect", False, "only the holder of the kube-system/kube-scheduler Lease schedules")
    p.add_argument("--leader-elect-lease-duration", type=_duration, default=15.0, metavar="SECONDS")
    p.add_argument("--leader-elect-renew-deadline", type=_duration, default=10.0, metavar="SECONDS")
    p.add_argument("--leader-elect-retry-period", type=_duration, default=2.0, metavar="SECONDS")
    p.add_argument("--bind-address", default="127.0.0.1")
    p.add_argument("--secure-port", type=int, default=0, help=f"HTTPS /healthz and /metrics (kube-scheduler: {DEFAULT_SECURE_PORT})")
    p.add_argument("--tls-cert-file")
    p.add_argument("--tls-private-key-file")
    p.add_argument("--port", type=int, default=0, help="plain HTTP /healthz and /metrics (0: off)")
    p.add_argument("--engine", choices=("auto", "cython", "python"), default="auto")
    p.add_argument("--seed", type=int, default=0, help="tie-break seed")
    p.add_argument("-v", "--v", dest="v", type=int, default=1, help="log verbosity (2: a line per binding, 4: debug)")
    p.add_argument("--version", action="version", version=f"kube scheduler {__version__}")
    p.set_defaults(func=run)


def _duration(text: str) -> float:
    t = text.strip()
    try:
        if t.endswith("ms"):
            return float(t[:-2]) / 1000
        if t.endswith("s"):
            return float(t[:-1])
        if t.endswith("m"):
            return float(t[:-1]) * 60
        return float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 15s)") from None


def run(args: argparse.Namespace) -> int:
    from kube.api.errors import StatusError
    from kube.cli.logging_setup import setup_logging
    from kube.cli.main import CliError
    from kube.scheduler.config import load_config

    setup_logging(args.v)
    try:
        profiles = load_config(args.config)
    except StatusError as exc:
        raise CliError(exc.message) from None
    if args.secure_port and not (args.tls_cert_file and args.tls_private_key_file):
        raise CliError("--secure-port needs --tls-cert-file and --tls-private-key-file")
    if args.leader_elect and not (args.leader_elect_lease_duration > args.leader_elect_renew_deadline
                                  > args.leader_elect_retry_period > 0):
        raise CliError("need --leader-elect-lease-duration > --leader-elect-renew-deadline > --leader-elect-retry-period > 0")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        return asyncio.run(_main(args, profiles))
    except Exception as exc:  # noqa: BLE001 - one clear line, not a traceback
        from kube.client.errors import ConfigError

        if isinstance(exc, ConfigError | OSError):
            raise CliError(str(exc)) from None
        raise


async def _main(args: argparse.Namespace, profiles) -> int:
    from kube.client.informer import SharedInformerFactory
    from kube.client.leader_election import LeaderElectionConfig, LeaderElector
    from kube.client.rest import RestClient
    from kube.scheduler.api_binding import ApiBinder, ApiEvents, wire_informers
    from kube.scheduler.http_endpoints import app, serve
    from kube.scheduler.scheduler import Scheduler

    servers = [s for s in (args.api_servers or "").split(",") if s] or None
    client = RestClient.from_kubeconfig(args.kubeconfig, api_servers=servers, user_agent="kube-scheduler")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sched = Scheduler(profiles, binder=ApiBinder(client), engine=args.engine, seed=args.seed,
                      events=ApiEvents(client))
    sched.log_binds = args.v >= 2
    elector: LeaderElector | None = None
    runners = []
    leading = (lambda: elector.is_leader()) if args.leader_elect else (lambda: True)
    if args.port:
        runners.append(await serve(app(sched, lambda: leading()), args.bind_address, args.port))
    if args.secure_port:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert_file, args.tls_private_key_file)
        runners.append(await serve(app(sched, lambda: leading()), args.bind_address, args.secure_port, tls))
    log.info("kube scheduler %s starting (engine %s, profiles %s)", __version__, sched.engine,
             ", ".join(sched.frameworks))

    async def lead() -> None:
        factory = SharedInformerFactory(client)
        wire_informers(factory, sched)
        factory.start()
        try:
            await factory.wait_for_cache_sync()
            log.info("caches synced: %d nodes, %d pending pods", sched.cache.table.nodes, len(sched.queue))
            await sched.run(stop)
        finally:
            await factory.stop()

    try:
        if args.leader_elect:
            cfg = LeaderElectionConfig("kube-scheduler", lease_duration=args.leader_elect_lease_duration,
                                       renew_deadline=args.leader_elect_renew_deadline,
                                       retry_period=args.leader_elect_retry_period)
            elector = LeaderElector(client, cfg, on_started_leading=lead)
            task = asyncio.ensure_future(elector.run())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if not stop.is_set():
                # lost the lease: stop at once, as kube-scheduler does, so no pod is bound by two leaders
                log.error("leader election lost; exiting")
                return 1
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            stopper.cancel()
        else:
            await lead()
    finally:
        await sched.drain_binds()
        for r in runners:
            await r.cleanup()
        await client.close()
    return 0
