"""The reconcile loop runner: N workers take keys from a WorkQueue and call
`reconcile(key)`. A failure re-queues the key with its back-off; a success
forgets the back-off. A reconcile may ask to be called again later by returning
a delay in seconds (as controller-runtime's RequeueAfter)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

from kube.client.workqueue import QueueShutDown, WorkQueue

log = logging.getLogger("kube.client.reconciler")

ReconcileFn = Callable[[Hashable], Awaitable[float | None]]


class Reconciler:
    def __init__(self, queue: WorkQueue, reconcile: ReconcileFn, workers: int = 1, name: str = "",
                 max_retries: int | None = None) -> None:
        if workers < 1:
            raise ValueError("a reconciler needs at least one worker")
        self.queue = queue
        self.reconcile = reconcile
        self.workers = workers
        self.name = name or getattr(reconcile, "__name__", "reconciler")
        self.max_retries = max_retries
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._worker(), name=f"{self.name}-{i}") for i in range(self.workers)]

    async def run(self) -> None:
        """Start the workers and wait for them (they end when the queue shuts down)."""
        if not self._tasks:
            self.start()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        self.queue.shutdown()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _worker(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except QueueShutDown:
                return
            try:
                requeue_after = await self.reconcile(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failed(key, exc)
            else:
                self.queue.forget(key)
                if requeue_after:
                    self.queue.add_after(key, float(requeue_after))
            finally:
                self.queue.done(key)

    def _failed(self, key: Hashable, exc: Exception) -> None:
        retries = self.queue.num_requeues(key)
        if self.max_retries is not None and retries >= self.max_retries:
            log.warning("%s: giving up on %s after %d retries: %s", self.name, key, retries, exc)
            self.queue.forget(key)
            return
        log.info("%s: %s failed (retry %d): %s", self.name, key, retries + 1, exc)
        self.queue.add_rate_limited(key)
