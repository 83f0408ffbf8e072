"""The reconcile runner: failures are retried with back-off, successes forget, keys never overlap."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Hashable

from kube.client.rate_limiter import ItemExponentialRateLimiter
from kube.client.reconciler import Reconciler
from kube.client.workqueue import WorkQueue


async def wait_for(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_failures_are_retried_until_success_then_forgotten() -> None:
    queue = WorkQueue(ItemExponentialRateLimiter(base_delay=0.001, max_delay=0.01))
    calls: Counter[Hashable] = Counter()

    async def reconcile(key: Hashable) -> None:
        calls[key] += 1
        if key == "flaky" and calls[key] < 3:
            raise RuntimeError("not yet")

    runner = Reconciler(queue, reconcile, workers=2)
    runner.start()
    try:
        queue.add("flaky")
        queue.add("fine")
        await wait_for(lambda: calls["flaky"] == 3 and queue.idle())
        assert calls["fine"] == 1
        assert queue.num_requeues("flaky") == 0  # forgotten after the success
    finally:
        await runner.stop()


async def test_requeue_after_and_give_up_after_max_retries() -> None:
    queue = WorkQueue(ItemExponentialRateLimiter(base_delay=0.001, max_delay=0.01))
    calls: Counter[Hashable] = Counter()

    async def reconcile(key: Hashable) -> float | None:
        calls[key] += 1
        if key == "broken":
            raise RuntimeError("always")
        return 0.01 if calls[key] < 2 else None  # "poll again soon" once

    runner = Reconciler(queue, reconcile, workers=1, max_retries=2)
    runner.start()
    try:
        queue.add("broken")
        queue.add("poll")
        await wait_for(lambda: calls["broken"] == 3 and calls["poll"] == 2 and queue.idle())
        await asyncio.sleep(0.05)
        assert calls["broken"] == 3  # gave up
    finally:
        await runner.stop()


async def test_workers_never_reconcile_one_key_concurrently() -> None:
    queue = WorkQueue()
    active: set[Hashable] = set()
    overlaps: list[Hashable] = []
    done: Counter[Hashable] = Counter()

    async def reconcile(key: Hashable) -> None:
        if key in active:
            overlaps.append(key)
        active.add(key)
        await asyncio.sleep(0.001)
        if done[key] < 3:
            queue.add(key)  # re-added while in flight
        active.discard(key)
        done[key] += 1

    runner = Reconciler(queue, reconcile, workers=4)
    runner.start()
    try:
        for key in "abcabcabc":
            queue.add(key)
        await wait_for(lambda: queue.idle() and all(done[k] >= 4 for k in "abc"))
        assert overlaps == []
    finally:
        await runner.stop()
