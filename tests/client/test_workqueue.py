"""The work queue's guarantees: de-duplication, one worker per key, delays, back-off, shutdown."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from kube.client.rate_limiter import ItemExponentialRateLimiter
from kube.client.workqueue import QueueShutDown, WorkQueue
from tests.metric_samples import sample, scrape


async def test_key_added_twice_before_processing_is_handed_out_once() -> None:
    q = WorkQueue()
    for key in ["a", "b", "a", "a", "b"]:
        q.add(key)
    assert len(q) == 2
    assert [await q.get(), await q.get()] == ["a", "b"]
    assert len(q) == 0


async def test_key_re_added_while_processing_waits_for_done() -> None:
    q = WorkQueue()
    q.add("a")
    key = await q.get()
    q.add("a")
    assert len(q) == 0  # not handed out while in flight
    getter = asyncio.ensure_future(q.get())
    await asyncio.sleep(0.01)
    assert not getter.done()
    q.done(key)
    assert await asyncio.wait_for(getter, 5) == "a"


async def test_add_after_delays_and_keeps_the_earliest() -> None:
    q = WorkQueue()
    q.add_after("a", 30)
    q.add_after("a", 0.01)
    q.add_after("a", 60)
    assert len(q) == 0 and not q.idle()
    assert await asyncio.wait_for(q.get(), 5) == "a"


def test_rate_limiter_doubles_per_failure_up_to_the_cap_and_forgets() -> None:
    limiter = ItemExponentialRateLimiter(base_delay=0.01, max_delay=0.1)
    delays = [limiter.when("k") for _ in range(6)]
    assert delays == [0.01, 0.02, 0.04, 0.08, 0.1, 0.1]
    assert limiter.num_requeues("k") == 6 and limiter.num_requeues("other") == 0
    limiter.forget("k")
    assert limiter.when("k") == 0.01


async def test_add_rate_limited_counts_requeues_and_forget_resets() -> None:
    q = WorkQueue(ItemExponentialRateLimiter(base_delay=0.001, max_delay=0.01))
    for _ in range(3):
        q.add_rate_limited("k")
        key = await asyncio.wait_for(q.get(), 5)
        q.done(key)
    assert q.num_requeues("k") == 3
    q.forget("k")
    assert q.num_requeues("k") == 0


async def test_shutdown_wakes_waiting_workers_and_drops_new_keys() -> None:
    q = WorkQueue()
    waiters = [asyncio.ensure_future(q.get()) for _ in range(3)]
    await asyncio.sleep(0)
    q.add_after("late", 0.01)
    q.shutdown()
    for waiter in waiters:
        with pytest.raises(QueueShutDown):
            await asyncio.wait_for(waiter, 5)
    q.add("x")
    assert len(q) == 0
    await asyncio.sleep(0.03)
    assert len(q) == 0  # the delayed add was cancelled


async def test_queued_keys_are_drained_after_shutdown() -> None:
    q = WorkQueue()
    q.add("a")
    q.shutdown()
    assert await q.get() == "a"
    with pytest.raises(QueueShutDown):
        await q.get()


async def test_cancelled_waiter_does_not_swallow_a_key() -> None:
    q = WorkQueue()
    first = asyncio.ensure_future(q.get())
    second = asyncio.ensure_future(q.get())
    await asyncio.sleep(0)
    q.add("a")  # wakes `first`...
    first.cancel()  # ...which is cancelled before it runs
    assert await asyncio.wait_for(second, 5) == "a"


# Each step: ("add", key) from the producer, or ("yield", n) to let workers run n turns.
steps = st.lists(st.one_of(st.tuples(st.just("add"), st.sampled_from("abcde")),
                           st.tuples(st.just("yield"), st.integers(0, 3))), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(program=steps, workers=st.integers(1, 4), work_turns=st.lists(st.integers(0, 3), min_size=1, max_size=8),
       readd=st.lists(st.booleans(), min_size=1, max_size=8))
def test_property_no_key_in_two_workers_and_no_add_lost(program: list[tuple[str, object]], workers: int,
                                                        work_turns: list[int], readd: list[bool]) -> None:
    async def scenario() -> None:
        q = WorkQueue()
        active: set[str] = set()
        log: list[tuple[str, str]] = []  # ("add"|"start", key) in the order they happened
        counter = 0

        async def worker() -> None:
            nonlocal counter
            while True:
                try:
                    key = await q.get()
                except QueueShutDown:
                    return
                assert key not in active, f"{key} handed to two workers"
                active.add(key)
                log.append(("start", key))
                counter += 1
                for _ in range(work_turns[counter % len(work_turns)]):
                    await asyncio.sleep(0)
                if readd[counter % len(readd)] and counter < 200:
                    log.append(("add", key))
                    q.add(key)  # re-added while in flight
                active.discard(key)
                q.done(key)

        tasks = [asyncio.ensure_future(worker()) for _ in range(workers)]
        for op, arg in program:
            if op == "add":
                log.append(("add", str(arg)))
                q.add(str(arg))
            else:
                for _ in range(int(arg)):  # type: ignore[call-overload]
                    await asyncio.sleep(0)
        for _ in range(10_000):
            if q.idle():
                break
            await asyncio.sleep(0)
        assert q.idle()
        q.shutdown()
        await asyncio.gather(*tasks)

        # every add is followed by a start of that key (no add is lost) ...
        for i, (op, key) in enumerate(log):
            if op == "add":
                assert ("start", key) in log[i + 1:], f"add of {key} at {i} never processed"
        # ... and a start never happens without an add since the previous start (de-dup)
        pending: dict[str, int] = {}
        for op, key in log:
            if op == "add":
                pending[key] = pending.get(key, 0) + 1
            else:
                assert pending.get(key, 0) > 0, f"{key} started without a pending add"
                pending[key] = 0

    asyncio.run(scenario())


async def test_metrics_count_adds_retries_and_read_depth_at_scrape() -> None:
    registry = CollectorRegistry()
    q = WorkQueue(ItemExponentialRateLimiter(base_delay=0.001, max_delay=0.01), name="pods", registry=registry)
    other = WorkQueue(name="nodes")
    other.instrument(registry)  # a second queue shares the families under its own name
    for key in ["a", "b", "a"]:  # "a" again while queued: de-duplicated, not an add
        q.add(key)
    other.add("n")
    families = scrape(registry)
    assert families["workqueue_depth"].type == "gauge" and families["workqueue_adds"].type == "counter"
    assert sample(registry, "workqueue_depth", name="pods") == 2
    assert sample(registry, "workqueue_adds_total", name="pods") == 2
    assert sample(registry, "workqueue_adds_total", name="nodes") == 1
    key = await q.get()
    assert sample(registry, "workqueue_depth", name="pods") == 1
    q.add_rate_limited(key)
    q.done(key)
    assert await asyncio.wait_for(q.get(), 5) in ("a", "b")
    assert sample(registry, "workqueue_retries_total", name="pods") == 1
    assert sample(registry, "workqueue_retries_total", name="nodes") == 0
    q.shutdown()
    q.add_rate_limited("late")  # refused after shutdown: neither a retry nor an add
    assert sample(registry, "workqueue_retries_total", name="pods") == 1


def test_a_queue_without_registry_records_nothing() -> None:
    registry = CollectorRegistry()
    WorkQueue(name="quiet").add("a")
    assert "workqueue_adds" not in scrape(registry)
