"""A rate-limited work queue with client-go's guarantees, for asyncio workers.

- A key added several times before a worker takes it is handed out once (dirty set).
- A key is never handed to two workers at once: added while being processed, it
  waits in the dirty set and is queued again on `done(key)`.
- `add_after` delays an add (the earliest pending delay for a key wins);
  `add_rate_limited` delays by the key's failure back-off; `forget` resets it.

Given a registry, the queue reports client-go's workqueue metrics labelled with its name:
`workqueue_depth` (read at scrape time), `workqueue_adds_total`, `workqueue_retries_total`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable

from prometheus_client import CollectorRegistry, Counter, Gauge

from kube.client.metric_families import family
from kube.client.rate_limiter import ItemExponentialRateLimiter


class QueueShutDown(Exception):
    """`get()` on a queue that was shut down and has nothing left to hand out."""


class WorkQueue:
    def __init__(self, rate_limiter: ItemExponentialRateLimiter | None = None, name: str = "", *,
                 registry: CollectorRegistry | None = None) -> None:
        self.name = name
        self.rate_limiter = rate_limiter or ItemExponentialRateLimiter()
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._delayed: dict[Hashable, tuple[float, asyncio.TimerHandle]] = {}
        self._shutting_down = False
        self._adds: Counter | None = None
        self._retries: Counter | None = None
        if registry is not None:
            self.instrument(registry)

    def instrument(self, registry: CollectorRegistry) -> None:
        """Report this queue on `registry` under label name=<queue name> (for queues built before it)."""
        family(registry, Gauge, "workqueue_depth", "Current depth of workqueue.",
               ["name"]).labels(name=self.name).set_function(self.__len__)
        self._adds = family(registry, Counter, "workqueue_adds_total", "Total number of adds handled by workqueue.",
                            ["name"]).labels(name=self.name)
        self._retries = family(registry, Counter, "workqueue_retries_total",
                               "Total number of retries handled by workqueue.", ["name"]).labels(name=self.name)

    def __len__(self) -> int:
        """Keys waiting to be handed out (not those in flight or delayed)."""
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def processing(self) -> frozenset[Hashable]:
        return frozenset(self._processing)

    def idle(self) -> bool:
        """Nothing queued, in flight or delayed."""
        return not self._queue and not self._processing and not self._delayed

    def add(self, key: Hashable) -> None:
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        if self._adds is not None:
            self._adds.inc()
        if key in self._processing:
            return  # re-queued by done()
        self._queue.append(key)
        self._wake_one()

    async def get(self) -> Hashable:
        """The next key; the caller must call `done(key)` when finished with it."""
        while not self._queue:
            if self._shutting_down:
                raise QueueShutDown(self.name)
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # pass the wake-up on: we will not take the key
                else:
                    self._discard_waiter(waiter)
                raise
        key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: Hashable) -> None:
        if key not in self._processing:
            return
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake_one()

    def add_after(self, key: Hashable, delay: float) -> None:
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        ready = loop.time() + delay
        pending = self._delayed.get(key)
        if pending is not None:
            if pending[0] <= ready:
                return
            pending[1].cancel()
        handle = loop.call_at(ready, self._fire, key)
        self._delayed[key] = (ready, handle)

    def add_rate_limited(self, key: Hashable) -> None:
        if self._retries is not None and not self._shutting_down:
            self._retries.inc()
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: Hashable) -> None:
        self.rate_limiter.forget(key)

    def num_requeues(self, key: Hashable) -> int:
        return self.rate_limiter.num_requeues(key)

    def shutdown(self) -> None:
        """Stop accepting keys; waiting `get()`s raise QueueShutDown once the queue is drained."""
        self._shutting_down = True
        for _, handle in self._delayed.values():
            handle.cancel()
        self._delayed.clear()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _fire(self, key: Hashable) -> None:
        self._delayed.pop(key, None)
        self.add(key)

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _discard_waiter(self, waiter: asyncio.Future[None]) -> None:
        try:
            self._waiters.remove(waiter)
        except ValueError:
            pass
