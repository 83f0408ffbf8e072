"""The proxy's loop: informers on Services and EndpointSlices, one coalesced sync at a time.

Any change only sets a flag; the loop then recomputes the whole desired state from the
informers' caches (cheap, pure) and hands it to the mode's executor. Bursts of changes
therefore cost one sync, and a failed sync is simply retried on the next round.

Nothing is applied before both informers have synced: a restarting proxy leaves the
kernel's rules (the last proxy's) serving until it knows the whole state, then replaces
them in one commit; it never starts from an empty table.

After each successful sync `programmed_revision` is the EndpointSlice informer's
resourceVersion as of the caches the rules were computed from, handed to `on_programmed`
(kube/proxy/programmed_lease.py publishes it for the node agents' termination gate).

Network programming latency (kube-proxy's kubeproxy_network_programming_duration_seconds):
each slice change carrying a newer `endpoints.kubernetes.io/last-change-trigger-time` than
the proxy's start is remembered, and observed as now minus that time once a sync that
includes it has been applied.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import CollectorRegistry

from kube.api.age import parse_timestamp
from kube.api.meta import Obj
from kube.api.programmed_lease import revision_of
from kube.api.registry import resolve
from kube.client.informer import Informer, run_supervised
from kube.client.rest import RestClient
from kube.proxy.metrics import ProxyMetrics
from kube.proxy.service_targets import ServiceTarget, service_targets

TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"

log = logging.getLogger("kube.proxy")


class Executor(Protocol):
    async def apply(self, targets: list[ServiceTarget]) -> None: ...
    async def close(self) -> None: ...


class IptablesExecutor:
    """Runs the blocking iptables calls off the event loop; after each commit, deletes the
    UDP conntrack entries the change made stale (conntrack.py).

    The first sync, one after a failure and one every `full_sync_period` are full (jumps
    checked, chains read from the kernel, the `service_cidr` routes to kube-svc0 ensured, so
    a deleted link is repaired as kube-proxy's IPVS mode repairs kube-ipvs0); the others are
    one iptables-restore each.
    """

    def __init__(self, cluster_cidr: str | None, full_sync_period: float = 30.0,
                 service_cidr: str | None = None) -> None:
        self.cluster_cidr = cluster_cidr
        self.service_cidr = service_cidr
        self.full_sync_period = full_sync_period
        self.applied: list[ServiceTarget] = []
        self._chains: set[str] | None = None  # what the last commit left; None: read the kernel
        self._full_at = 0.0

    async def apply(self, targets: list[ServiceTarget]) -> None:
        from kube.proxy import conntrack, iptables_executor, service_routes

        full = self._chains is None or time.monotonic() - self._full_at > self.full_sync_period
        known, self._chains = (None if full else self._chains), None  # a failure makes the next one full
        if full and self.service_cidr is not None:
            await asyncio.to_thread(service_routes.ensure, self.service_cidr)
        unchanged = frozenset() if full else frozenset(self.applied) & frozenset(targets)
        payload = await asyncio.to_thread(iptables_executor.apply, targets, cluster_cidr=self.cluster_cidr,
                                          known_chains=known, unchanged=unchanged)
        self._chains = iptables_executor.chains_after(payload, known or set())
        if full:
            self._full_at = time.monotonic()
        before, self.applied = self.applied, targets
        flows = conntrack.stale_flows(before, targets)
        try:
            await asyncio.to_thread(conntrack.delete_flows, flows)
        except Exception as exc:  # the rules are in; a missed flush only delays those UDP clients
            log.warning("conntrack cleanup of %d flows failed: %s", len(flows), exc)

    async def close(self) -> None:
        """Rules stay in place when the proxy stops (as kube-proxy): traffic keeps flowing."""


@dataclass
class SyncStats:
    syncs: int = 0
    failures: int = 0
    last_duration: float = 0.0
    last_success: float = 0.0
    service_ports: int = 0
    backends: int = 0


class Proxier:
    def __init__(self, client: RestClient, executor: Executor, *, min_sync_period: float = 0.1,
                 sync_period: float = 30.0, registry: CollectorRegistry | None = None, local_nodes: frozenset[str] = frozenset()) -> None:
        self.client = client
        self.local_nodes = local_nodes  # whose endpoints are local (Local traffic policies)
        self.executor = executor
        self.min_sync_period = min_sync_period
        self.sync_period = sync_period
        self.services = Informer(client, resolve("services"))
        self.slices = Informer(client, resolve("endpointslices.discovery.k8s.io"))
        self.stats = SyncStats()
        self.registry = registry if registry is not None else CollectorRegistry()  # the process's, or private
        self.metrics = ProxyMetrics(self.registry)
        self.targets: list[ServiceTarget] = []
        self.programmed_revision: int | None = None
        self.on_programmed: Callable[[int | None], None] | None = None
        self._dirty = asyncio.Event()
        for informer in (self.services, self.slices):
            informer.add_handler(self._changed, lambda _o, _n: self._changed(), lambda _o: self._changed())
        self.started_at = time.time()
        self._triggers: list[float] = []  # change times waiting for a sync to apply them
        self.slices.add_handler(lambda new: self._slice_trigger(None, new), self._slice_trigger)

    def _changed(self, *_args: object) -> None:
        self.metrics.queued()
        self._dirty.set()

    def _slice_trigger(self, old: Obj | None, new: Obj) -> None:
        """Remember a slice's new trigger time (not those from before this proxy started:
        the initial list would report every old change as slow, as kube-proxy avoids)."""
        at = parse_timestamp(((new.get("metadata") or {}).get("annotations") or {}).get(TRIGGER_TIME_ANNOTATION))
        if at is None or at < self.started_at:
            return
        if old is not None and ((old.get("metadata") or {}).get("annotations") or {}).get(
                TRIGGER_TIME_ANNOTATION) == (new["metadata"]["annotations"][TRIGGER_TIME_ANNOTATION]):
            return
        self._triggers.append(at)

    async def run(self) -> None:
        for informer in (self.services, self.slices):
            informer.start()
        try:  # an informer that dies of a bug ends run() with InformerFailed: no syncing from a deaf cache
            await run_supervised(self._sync_loop(), self.services, self.slices)
        finally:
            for informer in (self.services, self.slices):
                await informer.stop()
            await self.executor.close()

    async def _sync_loop(self) -> None:
        while not (self.services.has_synced() and self.slices.has_synced()):
            await asyncio.sleep(0.05)
        self._dirty.set()
        while True:
            try:
                async with asyncio.timeout(self.sync_period):  # unlike 3.11's wait_for, never swallows a cancel
                    await self._dirty.wait()
            except TimeoutError:
                pass  # periodic full sync repairs anything changed behind our back
            self._dirty.clear()
            await self.sync_once()
            await asyncio.sleep(self.min_sync_period)

    async def sync_once(self) -> None:
        started = time.monotonic()
        triggers, self._triggers = self._triggers, []  # what this sync's caches already hold
        revision = revision_of(self.slices.resource_version)  # set after the cache: never ahead of it
        targets = service_targets(self.services.store.list(), self.slices.store.list(), self.local_nodes)
        try:
            await self.executor.apply(targets)
        except Exception as exc:  # keep running; retry on the next round
            self.stats.failures += 1
            self.metrics.failed(time.monotonic() - started)
            log.error("proxy sync failed: %s", exc)
            self._triggers[:0] = triggers
            self._dirty.set()
            return
        applied = time.time()
        for at in triggers:
            self.metrics.programmed(applied - at)
        self.targets = targets
        self.programmed_revision = revision
        if self.on_programmed is not None:
            self.on_programmed(revision)
        self.stats.syncs += 1
        self.stats.last_duration = time.monotonic() - started
        self.stats.last_success = time.time()
        self.stats.service_ports = len(targets)
        self.stats.backends = sum(len(t.backends) for t in targets)
        self.metrics.synced(self.stats.last_duration, self.stats.service_ports, self.stats.backends,
                            self.stats.last_success)
        log.info("proxy synced %d service ports, %d backends in %.3fs", len(targets), self.stats.backends,
                 self.stats.last_duration)

    def healthy(self) -> bool:
        """Healthy once a sync succeeded and not stale for more than two sync periods."""
        return self.stats.last_success > 0 and time.time() - self.stats.last_success < 2 * self.sync_period + 60
