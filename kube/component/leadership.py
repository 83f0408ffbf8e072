"""Leader election for a daemon: the flags, their one validation, and the step-down loop.

Kubernetes' controller manager and scheduler exit when they lose their Lease and
rely on a supervisor to restart them. Here a daemon that loses the Lease (it was
taken over, deleted, or could not be renewed within the renew deadline) *steps
down*: its leader work is cancelled, so nothing more is written on a stale
belief of leadership, and it campaigns again in the same process. Its caches,
health server and metrics stay up, and a brief API outage does not turn into a
crash loop. Exactly one candidate works at a time either way: the work runs only
while kube/client/leader_election.py's LeaderElector holds the Lease.

Each term builds its work afresh (informers, caches, queues), so a leader that won again
starts from a new list of the cluster rather than from what it saw before its gap, as a
restarted Kubernetes component would. Its metrics come fresh too: each term records into
its own CollectorRegistry, which the process's one registry (the one /metrics serves) shows
while the term lasts; counters restart at a new term, as they would after a restart.

The leader work crashing is different: that is a bug, and `run_leading` raises
it so `run_daemon` exits non-zero with one line instead of living on deaf.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric

from kube.client.leader_election import LeaderElectionConfig, LeaderElector, master_status
from kube.client.rest import RestClient
from kube.component.bool_flag import add_bool_flag
from kube.component.duration import duration_flag
from kube.component.errors import UsageError
from kube.component.flags import Parser

log = logging.getLogger("kube.component.leadership")
LeaderWork = Callable[[CollectorRegistry], Awaitable[Any]]  # called with the term's registry


def add_leader_election_flags(parser: Parser, *, default: bool, lease_name: str) -> None:
    """`--leader-elect` and the timing trio, with Kubernetes' names and defaults (15s, 10s, 2s)."""
    add_bool_flag(parser, "leader-elect", default, f"only the holder of the kube-system/{lease_name} Lease works")
    for flag, seconds, what in (("lease-duration", 15.0, "how long a non-renewed Lease stays its holder's"),
                                ("renew-deadline", 10.0, "how long the leader retries renewing before stepping down"),
                                ("retry-period", 2.0, "how often candidates try to acquire or renew")):
        parser.add_argument(f"--leader-elect-{flag}", type=duration_flag, default=seconds, metavar="DURATION",
                            help=f"{what} (default {seconds:g}s)")


def leader_election_config(args: argparse.Namespace, lease_name: str,
                           namespace: str = "kube-system") -> LeaderElectionConfig | None:
    """The Lease settings the flags ask for, or None without --leader-elect; UsageError when the
    timings cannot work (lease > renew deadline > retry period > 0, as Kubernetes validates)."""
    if not args.leader_elect:
        return None
    lease, renew, retry = (args.leader_elect_lease_duration, args.leader_elect_renew_deadline,
                           args.leader_elect_retry_period)
    if not lease > renew > retry > 0:
        raise UsageError("need --leader-elect-lease-duration > --leader-elect-renew-deadline > "
                         f"--leader-elect-retry-period > 0 (got {lease:g}s, {renew:g}s, {retry:g}s)")
    return LeaderElectionConfig(lease_name, namespace, lease_duration=lease, renew_deadline=renew,
                                retry_period=retry)


class _CurrentTerm:
    """A collector on the process registry showing the metrics of the term of leadership now running."""

    def __init__(self) -> None:
        self.registry: CollectorRegistry | None = None

    def describe(self) -> list[Metric]:
        return []  # names vary by term: nothing to reserve on the process registry

    def collect(self) -> Iterable[Metric]:
        registry = self.registry
        return registry.collect() if registry is not None else ()


class Leadership:
    """Runs a daemon's leader work while it holds the Lease `name` (or always, without election).

    Each term calls `work(term_registry)` afresh; the work builds its informers, caches and
    metrics inside, on that registry (see the module docstring)."""

    def __init__(self, client: RestClient, name: str, config: LeaderElectionConfig | None, work: LeaderWork, *,
                 registry: CollectorRegistry) -> None:
        self.name = name
        self.config = config
        self.work = work
        self.elector: LeaderElector | None = None
        self._ended: asyncio.Future[None] | None = None
        self._term = _CurrentTerm()
        registry.register(self._term)  # type: ignore[arg-type]  # a custom collector
        if config is not None:
            self.elector = LeaderElector(client, config, on_started_leading=self._lead, registry=registry)
        else:
            master_status(registry).labels(name=name).set(1)  # without election it always works

    def is_leader(self) -> bool:
        """True while the work runs (always, without election): the daemon's /readyz."""
        return self.elector.is_leader() if self.elector is not None else True

    async def run(self, stop: asyncio.Event) -> None:
        """Until stop is set: lead when elected, step down on losing the Lease, campaign again.

        Returns when stop is set or the work returned by itself; raises what the work raised."""
        self._ended = asyncio.get_running_loop().create_future()
        main = asyncio.ensure_future(self._campaign() if self.elector is not None else self._lead())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({main, stopped, self._ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (main, stopped):
                task.cancel()
            await asyncio.gather(main, stopped, return_exceptions=True)  # the elector releases the Lease
        if self._ended.done():
            self._ended.result()
        elif main.done() and not main.cancelled() and main.exception() is not None:
            raise main.exception()  # type: ignore[misc]  # the elector itself failed: a bug

    async def _campaign(self) -> None:
        assert self.elector is not None
        while True:
            await self.elector.run()  # returns when the Lease is lost; the work was cancelled
            log.warning("lost the %s Lease: stepped down, campaigning again", self.name)

    async def _lead(self) -> None:
        """The work, reporting its end (return or crash) to run(); cancellation is a step-down."""
        self._term.registry = CollectorRegistry()
        try:
            await self.work(self._term.registry)
        except asyncio.CancelledError:
            self._term.registry = None  # a standby shows no stale figures of its last term
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to run(), which raises it
            if self._ended is not None and not self._ended.done():
                self._ended.set_exception(exc)
        else:
            if self._ended is not None and not self._ended.done():
                self._ended.set_result(None)
