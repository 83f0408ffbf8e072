"""Store upkeep: periodic compaction keeping the last few minutes of history.

Kubernetes' API server compacts etcd every 5 minutes, so watches may resume
from any revision of the last 5 minutes and older ones get 410 Gone. Upkeep
samples (time, revision) every `interval` seconds and compacts to the newest
sampled revision that is at least `keep_seconds` old.

Events expire through leases rather than here: the API server attaches a lease
of EVENT_TTL_SECONDS (kube-apiserver's --event-ttl, 1 h) when it stores an
Event, and the store deletes the Event when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable

from kube.store.errors import StoreError
from kube.store.protocol import Store

log = logging.getLogger("kube.store.upkeep")

EVENT_TTL_SECONDS = 3600  # --event-ttl default: Events live 1 h
KEEP_SECONDS = 300.0  # history kept for watches to resume from (Kubernetes: 5 minutes)
INTERVAL_SECONDS = 60.0


class Upkeep:
    def __init__(self, store: Store, keep_seconds: float = KEEP_SECONDS, interval: float = INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.keep_seconds = keep_seconds
        self.interval = interval
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()  # (time, revision), oldest first
        self._task: asyncio.Task[None] | None = None
        self.compacted = 0  # the revision the last compaction reached

    async def tick(self, now: float | None = None) -> int:
        """Sample the revision at `now`; compact to the newest sample at least keep_seconds old.
        Returns the revision compacted to, or 0 when nothing was due."""
        now = self._clock() if now is None else now
        self._samples.append((now, await self.store.current_revision()))
        target = 0
        while self._samples and self._samples[0][0] <= now - self.keep_seconds:
            target = self._samples.popleft()[1]
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
                log.warning("store upkeep: compaction failed: %s", error)
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
