"""Hold a deleted pod's SIGTERM until no proxy sends it new connections (issue 16).

In Kubernetes the kubelet sends SIGTERM as soon as the pod is deleted, while the
EndpointSlice controller and every kube-proxy are still removing the endpoint: connections
keep arriving at a process that is shutting down, so applications add `preStop: sleep 5`
and hope five seconds is enough. Here the node agent waits for the fact itself:

1. the pod is no longer announced: every EndpointSlice that lists it (by targetRef uid, or
   by address when it has no targetRef) shows it not ready, or terminating;
2. every live proxy Lease (kube/api/programmed_lease.py: renewed within its duration; stale
   ones are ignored, their proxy is gone) reports a programmed revision at least the slice
   revision in which that happened.

It goes at once when no slice lists the pod (no Service selects it) or no proxy Lease is
live, and gives up when the grace period is nearly spent, leaving `reserve` seconds for the
real SIGTERM. `decide` is the pure rule; `TerminationGate` applies it from two informers
(EndpointSlices, and the proxies' Leases in kube-node-lease), woken by their changes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from kube.api import programmed_lease
from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.cache import NAMESPACE_INDEX
from kube.client.informer import Informer
from kube.client.rest import RestClient

log = logging.getLogger("kube.node.termination")
SLICE, LEASE = resolve("endpointslices.discovery.k8s.io"), resolve("leases")
SIGTERM_RESERVE_SECONDS = 2.0  # of the grace period, always left to the application after SIGTERM
SYNC_WAIT_SECONDS = 5.0  # caches that cannot sync (an API outage, missing rights) hold no pod longer
RECHECK_SECONDS = 1.0  # a Lease going stale is no event: look again this often
HOLD_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32)


@dataclass(frozen=True)
class Verdict:
    """Whether SIGTERM may go now, and why (`reason` is a metric label, `detail` a log line)."""

    go: bool
    reason: str
    detail: str
    revision: int | None = None  # the slice revision the proxies must have programmed


def _pod_ips(pod: Obj) -> set[str]:
    status = pod.get("status") or {}
    ips = {str(p.get("ip")) for p in status.get("podIPs") or [] if isinstance(p, dict) and p.get("ip")}
    if status.get("podIP"):
        ips.add(str(status["podIP"]))
    return ips


def _is_pod(endpoint: Obj, uid: str, ips: set[str]) -> bool:
    ref = endpoint.get("targetRef") or {}
    if ref.get("uid"):
        return ref.get("kind", "Pod") == "Pod" and ref["uid"] == uid
    return any(a in ips for a in endpoint.get("addresses") or [])


def _announced(endpoint: Obj) -> bool:
    """Still offered as a ready backend. An unset `ready` counts as ready (as the API says). A
    terminating endpoint counts as withdrawn even when ready (publishNotReadyAddresses asks
    for it to be published whatever its state: holding would only spend the grace period)."""
    conditions = endpoint.get("conditions") or {}
    return conditions.get("ready") is not False and conditions.get("terminating") is not True


def decide(pod: Obj, slices: Iterable[Obj], leases: Iterable[Obj], now: float,
           since: int | None = None) -> Verdict:
    """May the pod's SIGTERM go now? `slices` are EndpointSlices (those of other namespaces are
    ignored), `leases` the proxies' Leases, `now` seconds since the epoch; `since` is the
    revision an earlier look found the pod withdrawn at (kept, so that later changes to the
    same slices do not move the mark the proxies must reach)."""
    meta = pod.get("metadata") or {}
    namespace, uid, ips = meta.get("namespace") or "default", str(meta.get("uid") or ""), _pod_ips(pod)
    listed: list[tuple[Obj, Obj]] = [
        (s, e) for s in slices if ((s.get("metadata") or {}).get("namespace") or "default") == namespace
        for e in s.get("endpoints") or [] if isinstance(e, dict) and _is_pod(e, uid, ips)]
    if not listed and since is None:
        return Verdict(True, "not-selected", "no EndpointSlice lists the pod")
    live = [(programmed_lease.holder(lease), programmed_lease.programmed_revision(lease))
            for lease in leases if programmed_lease.is_live(lease, now)]
    if not live:
        return Verdict(True, "no-proxy", "no live proxy Lease")
    ready_in = sorted({str((s.get("metadata") or {}).get("name", "")) for s, e in listed if _announced(e)})
    if ready_in:
        return Verdict(False, "still-ready", f"still a ready endpoint in EndpointSlice {', '.join(ready_in)}")
    revision = since if since is not None else max(
        programmed_lease.revision_of((s.get("metadata") or {}).get("resourceVersion")) or 0 for s, _ in listed)
    behind = sorted(name for name, programmed in live if programmed is None or programmed < revision)
    if behind:
        return Verdict(False, "proxies-behind", f"proxies {', '.join(behind)} behind revision {revision}", revision)
    return Verdict(True, "programmed", f"{len(live)} proxies programmed revision {revision}", revision)


@dataclass(frozen=True)
class HoldOutcome:
    reason: str  # a Verdict's, or "grace-period" (gave up), "not-synced", "no-time" (grace too short)
    detail: str
    waited: float


class TerminationGate:
    """The hold, for every node of one agent process (one informer pair for all of them)."""

    def __init__(self, client: RestClient, registry: CollectorRegistry | None = None, *,
                 reserve: float = SIGTERM_RESERVE_SECONDS, sync_wait: float = SYNC_WAIT_SECONDS) -> None:
        self.reserve = reserve
        self.sync_wait = sync_wait
        self.slices = Informer(client, SLICE)
        self.leases = Informer(client, LEASE, programmed_lease.LEASE_NAMESPACE,
                               label_selector=programmed_lease.SELECTOR)
        self._tick = asyncio.Event()
        for informer in (self.slices, self.leases):
            informer.add_handler(self._changed, lambda _old, _new: self._changed(), lambda _old: self._changed())
        registry = registry if registry is not None else CollectorRegistry()
        self.holds = Counter("kube_node_termination_holds_total",
                             "Pod terminations whose SIGTERM the agent held for the proxies, by outcome.",
                             ["outcome"], registry=registry)
        self.held = Histogram("kube_node_termination_hold_seconds",
                              "How long a pod's SIGTERM waited for the proxies to stop sending it connections.",
                              buckets=HOLD_BUCKETS, registry=registry)
        self.holding = Gauge("kube_node_termination_holding", "Pods whose SIGTERM is being held right now.",
                             registry=registry)

    def _changed(self, *_args: object) -> None:
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()  # wakes every hold waiting on the previous tick

    def start(self) -> None:
        self.slices.start()
        self.leases.start()

    async def stop(self) -> None:
        await self.slices.stop()
        await self.leases.stop()

    def synced(self) -> bool:
        return self.slices.has_synced() and self.leases.has_synced()

    async def _wait_change(self, timeout: float) -> None:
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                await self._tick.wait()
        except TimeoutError:
            pass

    async def hold(self, pod: Obj, grace_seconds: float) -> HoldOutcome:
        """Wait until `decide` says go, or until only `reserve` seconds of the grace period remain."""
        started = time.monotonic()
        with self.holding.track_inprogress():
            outcome = await self._hold(pod, started, started + max(0.0, grace_seconds - self.reserve))
        self.holds.labels(outcome=outcome.reason).inc()
        self.held.observe(outcome.waited)
        meta = pod.get("metadata") or {}
        log.info("pod %s/%s: SIGTERM after %.2fs (%s: %s)", meta.get("namespace"), meta.get("name"),
                 outcome.waited, outcome.reason, outcome.detail)
        return outcome

    async def _hold(self, pod: Obj, started: float, deadline: float) -> HoldOutcome:
        if deadline <= started:
            return HoldOutcome("no-time", "the grace period leaves no time to wait", 0.0)
        sync_by = min(deadline, started + self.sync_wait)
        while not self.synced():
            if time.monotonic() >= sync_by:
                return HoldOutcome("not-synced", "EndpointSlices or proxy Leases not readable",
                                   time.monotonic() - started)
            await self._wait_change(0.05)
        namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        since: int | None = None
        while True:
            verdict = decide(pod, self.slices.store.by_index(NAMESPACE_INDEX, namespace), self.leases.store.list(),
                             time.time(), since)
            if verdict.go:
                return HoldOutcome(verdict.reason, verdict.detail, time.monotonic() - started)
            if since is None and verdict.revision is not None:
                since = verdict.revision
            left = deadline - time.monotonic()
            if left <= 0:
                return HoldOutcome("grace-period", verdict.detail, time.monotonic() - started)
            await self._wait_change(min(left, RECHECK_SECONDS))
