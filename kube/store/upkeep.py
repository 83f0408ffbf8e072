"""Store upkeep: periodic compaction keeping the last few minutes of history,
and key budgets that keep the store bounded under bursts.

Kubernetes' API server compacts etcd every 5 minutes, so watches may resume
from any revision of the last 5 minutes and older ones get 410 Gone. Upkeep
samples (time, revision) every `interval` seconds and compacts to the newest
sampled revision that is at least `keep_seconds` old, or further when more than
`max_history` revisions would be kept: a burst then shortens the window
watches can resume from (they relist after a 410, as after any compaction)
instead of growing the log with the burst's rate.

Events expire through leases: the API server attaches a lease of
EVENT_TTL_SECONDS (kube-apiserver's --event-ttl, 1 h) when it stores an Event,
and the store deletes the Event when the lease runs out. Within that hour the
Events' key budget (key_budget.py, MAX_EVENTS) deletes the least recently
written ones beyond the budget on every tick.

Together, between two ticks the store holds at most the budgets' keys, the
other objects, `max_history` revisions of history, and what was written since
the last tick; after a burst the sqlite file gives the pages back
(sqlite/state_file.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable

from kube.api.registry import resolve
from kube.store.errors import StoreError
from kube.store.key_budget import KeyBudget
from kube.store.protocol import Store

log = logging.getLogger("kube.store.upkeep")

EVENT_TTL_SECONDS = 3600  # --event-ttl default: Events live 1 h
KEEP_SECONDS = 300.0  # history kept for watches to resume from (Kubernetes: 5 minutes)
INTERVAL_SECONDS = 10.0  # a tick: sample, compact when due, prune over-budget prefixes
MAX_HISTORY = 100_000  # revisions of history kept at most, whatever keep_seconds says
MAX_EVENTS = 20_000  # live Events at most (about 20 MB of them)
EVENTS_BUDGET = KeyBudget(resolve("events").key_prefix(), MAX_EVENTS)


class Upkeep:
    def __init__(self, store: Store, keep_seconds: float = KEEP_SECONDS, interval: float = INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic, *, max_history: int = MAX_HISTORY,
                 budgets: tuple[KeyBudget, ...] = (EVENTS_BUDGET,)) -> None:
        self.store = store
        self.keep_seconds = keep_seconds
        self.interval = interval
        self.max_history = max_history
        self.budgets = budgets
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()  # (time, revision), oldest first
        self._task: asyncio.Task[None] | None = None
        self.compacted = 0  # the revision the last compaction reached

    async def tick(self, now: float | None = None) -> int:
        """Prune every over-budget prefix, then sample the revision at `now` and compact to
        the newest sample at least keep_seconds old (or to max_history revisions back, if
        that is further). Returns the revision compacted to, or 0 when nothing was due."""
        now = self._clock() if now is None else now
        for budget in self.budgets:
            await budget.prune(self.store)
        current = await self.store.current_revision()
        self._samples.append((now, current))
        target = 0
        while self._samples and self._samples[0][0] <= now - self.keep_seconds:
            target = self._samples.popleft()[1]
        if current - target > self.max_history:
            target = current - self.max_history
            log.info("store upkeep: over %d revisions of history: compacting them sooner", self.max_history)
        if target <= self.compacted or target <= await self.store.compacted_revision():
            return 0
        await self.store.compact(target)
        self.compacted = target
        log.info("compacted store history below revision %d", target)
        return target

    async def run(self) -> None:
        """tick() every interval, forever; a failing tick is logged and retried next time."""
        while True:
            try:
                await self.tick()
            except StoreError as error:
                log.warning("store upkeep: tick failed (retried next time): %s", error)
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="store-upkeep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
