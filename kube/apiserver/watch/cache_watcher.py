"""One client's watch on a kind's cache: filtered events in a bounded queue.

Selector semantics follow Kubernetes' cacher: an object that stops matching is
sent as DELETED, one that starts matching as ADDED. A watcher that falls too far
behind is closed (the client re-watches from its last resourceVersion) rather
than letting one slow reader grow the server's memory without bound.
"""

from __future__ import annotations

import asyncio
from collections import deque

from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.watch.events import CacheEvent

MAX_PENDING = 20_000


class CacheWatcher:
    def __init__(self, flt: ObjectFilter, after_revision: int = 0) -> None:
        self.filter = flt
        self.after_revision = after_revision  # events at or below it are not sent
        self.pending: deque[CacheEvent] = deque()
        self.closed = False
        self.overflowed = False
        self.limit = MAX_PENDING
        self._wakeup = asyncio.Event()

    def push(self, event: CacheEvent) -> None:
        if self.closed:
            return
        self.pending.append(event)
        if len(self.pending) > self.limit:
            self.overflowed = True
            self.close()
        self._wakeup.set()

    def prefill(self, events: list[CacheEvent]) -> None:
        """The initial state: never counted against the backlog limit."""
        self.pending.extend(events)
        self.limit = MAX_PENDING + len(self.pending)
        self._wakeup.set()

    def offer(self, event: CacheEvent) -> None:
        """Deliver a cache event if this watcher wants it (in its transformed form)."""
        if event.revision <= self.after_revision:
            return
        flt = self.filter
        if flt.namespace and event.namespace != flt.namespace:
            return
        if flt.trivial:
            self.push(event)
            return
        now = flt.matches(event.obj)
        if event.type == "MODIFIED":
            before = event.prev is not None and flt.matches(event.prev)
            if now and before:
                self.push(event)
            elif now:
                self.push(event.retyped("ADDED"))
            elif before:
                self.push(event.retyped("DELETED"))
        elif now:
            self.push(event)

    def close(self) -> None:
        self.closed = True
        self._wakeup.set()

    async def wait(self, timeout: float) -> None:
        """Until an event is pending, the watcher is closed, or timeout passes."""
        if self.pending or self.closed:
            return
        self._wakeup.clear()
        try:
            async with asyncio.timeout(timeout):  # unlike 3.11's wait_for, never swallows a cancel
                await self._wakeup.wait()
        except TimeoutError:
            pass

    def drain(self) -> list[CacheEvent]:
        events = list(self.pending)
        self.pending.clear()
        return events
