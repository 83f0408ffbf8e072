"""API Priority and Fairness: the current configuration and the seats it hands out.

The FlowSchemas and PriorityLevelConfigurations are read from the API server's own watch
cache (only the API server touches the store, and this is it), and the configuration is
rebuilt when either kind's cache stamp moves — the way the RBAC authorizer notices role
changes, with no hook into the cache. Until those kinds exist, or while the cache holds
none of them, the bootstrap objects are used, so the first request is classified right;
the mandatory exempt and catch-all objects are put back whenever missing.

Each Limited level gets ceil(server limit * its nominalConcurrencyShares / sum of all
levels' shares) seats (the server limit is --max-requests-inflight +
--max-mutating-requests-inflight, as Kubernetes'); a level whose shares round to nothing
still gets one seat, since levels do not borrow here. A level that stays across a
rebuild keeps its queue set (and whoever waits in it); Exempt levels have none.

One step Kubernetes does not need: a request that gets its seat yields to the event loop
once before it runs. Handlers served from the watch cache do not await, so without it each
request would take a free seat, run and give it back in one step, and the requests ready
behind it would be served in the loop's arrival order, not by the queues: seats would never
be contended however heavy the load. With it, everything already ready classifies and
queues first, and the fair queuing chooses who runs next.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from kube.api.errors import too_many_requests
from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.flowcontrol import bootstrap_objects
from kube.apiserver.flowcontrol.classifier import Classification, Classifier, RequestDigest
from kube.apiserver.flowcontrol.flow_metrics import FlowMetrics
from kube.apiserver.flowcontrol.queueset import QueueSet, Queuing, Rejected
from kube.apiserver.flowcontrol.shuffle_sharding import MAX_HAND_SIZE
from kube.apiserver.watch.cache import KindCache, WatchCache

GROUP = "flowcontrol.apiserver.k8s.io"
KINDS = ("FlowSchema", "PriorityLevelConfiguration")
DEFAULT_SHARES = 30  # the API's default nominalConcurrencyShares of a Limited level
DEFAULT_QUEUING = Queuing(queues=64, hand_size=8, queue_length_limit=50)  # the API's defaults
TOO_MANY = "Too many requests, please try again later."
RETRY_AFTER_SECONDS = 1


def _shares(level: Obj) -> int:
    spec = level.get("spec") or {}
    body = spec.get("limited") if spec.get("type") == "Limited" else spec.get("exempt")
    default = DEFAULT_SHARES if spec.get("type") == "Limited" else 0
    value = (body or {}).get("nominalConcurrencyShares", default)
    return value if isinstance(value, int) and value >= 0 else default


def _queuing(level: Obj) -> Queuing | None:
    """limitResponse: None for Reject, else the Queue parameters (API defaults for what is unset)."""
    response = ((level.get("spec") or {}).get("limited") or {}).get("limitResponse") or {}
    if response.get("type") == "Reject":
        return None
    q: dict[str, Any] = response.get("queuing") or {}

    def positive(key: str, default: int) -> int:
        value = q.get(key, default)
        return value if isinstance(value, int) and value > 0 else default
    queues = positive("queues", DEFAULT_QUEUING.queues)
    hand = min(positive("handSize", DEFAULT_QUEUING.hand_size), queues, MAX_HAND_SIZE)
    return Queuing(queues, hand, positive("queueLengthLimit", DEFAULT_QUEUING.queue_length_limit))


def nominal_limits(levels: list[Obj], server_limit: int) -> dict[str, int]:
    """Seats of each Limited level."""
    limited = [pl for pl in levels if (pl.get("spec") or {}).get("type") == "Limited"]
    total = sum(_shares(pl) for pl in levels)
    return {pl["metadata"]["name"]: max(1, math.ceil(server_limit * _shares(pl) / total) if total else 1)
            for pl in limited}


class FlowControl:
    def __init__(self, cache: WatchCache | None, server_limit: int, wait: float, metrics: FlowMetrics) -> None:
        kinds = [by_gvk(GROUP, "v1", k) for k in KINDS]
        self._caches: list[KindCache] = ([cache.caches[k] for k in kinds if k is not None]
                                         if cache is not None and None not in kinds else [])
        self.server_limit, self.wait, self.metrics = server_limit, wait, metrics
        self._stamp = self._stamps()
        self.queue_sets: dict[str, QueueSet] = {}
        self.classifier = self._build()

    def _objects(self) -> tuple[list[Obj], list[Obj]]:
        if not self._caches or not any(c.objects for c in self._caches):
            return bootstrap_objects.defaults()
        fs, pl = (list(c.objects.values()) for c in self._caches)
        return bootstrap_objects.with_mandatory(fs, pl)

    def _build(self) -> Classifier:
        flow_schemas, levels = self._objects()
        limits = nominal_limits(levels, self.server_limit)
        by_name = {pl["metadata"]["name"]: pl for pl in levels}
        sets: dict[str, QueueSet] = {}
        for name, seats in limits.items():
            qs = self.queue_sets.get(name)
            if qs is None:
                qs = QueueSet(seats, _queuing(by_name[name]), self.wait)
            else:
                qs.configure(seats, _queuing(by_name[name]))
            sets[name] = qs
        self.queue_sets = sets
        self.metrics.nominal_seats(limits)
        return Classifier(flow_schemas, levels)

    def _stamps(self) -> tuple[tuple[int, int], ...]:
        return tuple(c.stamp() for c in self._caches)

    def classify(self, digest: RequestDigest) -> Classification:
        """The request's schema, level and flow under the configuration of now."""
        if self._caches:
            stamp = self._stamps()
            if stamp != self._stamp:
                self._stamp = stamp
                self.classifier = self._build()
        return self.classifier.classify(digest)

    @contextlib.asynccontextmanager
    async def admit(self, c: Classification) -> AsyncIterator[None]:
        """Hold a seat of the request's level while the body runs; 429 when none is to be had."""
        level = c.priority_level_name
        series = self.metrics.series(level, c.flow_schema_name)
        qs = None if c.exempt else self.queue_sets.get(level)
        seat = None
        if qs is not None:
            started = time.monotonic()
            series.inqueue.inc()
            try:
                seat = await qs.acquire((c.flow_schema_name, c.distinguisher))
            except Rejected as exc:
                series.waited_rejected.observe(time.monotonic() - started)
                self.metrics.rejected(series, exc.reason)
                raise too_many_requests(TOO_MANY, RETRY_AFTER_SECONDS) from None
            except asyncio.CancelledError:  # the client went away while it waited
                self.metrics.rejected(series, "cancelled")
                raise
            finally:
                series.inqueue.dec()
            series.waited_executed.observe(time.monotonic() - started)
            await asyncio.sleep(0)  # see the module's docstring: who else is ready queues before this runs
        series.dispatched.inc()
        series.executing.inc()
        try:
            yield
        finally:
            series.executing.dec()
            if qs is not None and seat is not None:
                qs.release(seat)
