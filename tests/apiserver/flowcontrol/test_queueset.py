"""The queue set: seats, queues, rejections, fair shares under saturation, and no leaked seats."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.apiserver.flowcontrol.queueset import QueueSet, Queuing, Rejected, Seat
from kube.apiserver.flowcontrol.shuffle_sharding import deal, flow_hash

DEADLINE = 10.0


def one_queue(limit: int = 1, length: int = 2, wait: float = DEADLINE) -> QueueSet:
    return QueueSet(limit, Queuing(queues=1, hand_size=1, queue_length_limit=length), wait)


async def until(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.005)


def disjoint_flows(queues: int, hand: int) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two flows whose hands share no queue (so neither can crowd the other's)."""
    a = ("fs", "flooder")
    cards = set(deal(flow_hash(*a), queues, hand))
    other = next(f"other-{i}" for i in range(1000) if not cards & set(deal(flow_hash("fs", f"other-{i}"), queues,
                                                                             hand)))
    return a, ("fs", other)


async def test_seats_up_to_the_limit_then_a_queue_then_queue_full() -> None:
    qs = one_queue(limit=2, length=2)
    seats = [await qs.acquire(("fs", "a")) for _ in range(2)]
    waiters = [asyncio.ensure_future(qs.acquire(("fs", "a"))) for _ in range(2)]
    await until(lambda: qs.waiting == 2, "two waiting")
    with pytest.raises(Rejected) as err:
        await qs.acquire(("fs", "a"))
    assert err.value.reason == "queue-full"
    qs.release(seats[0])
    seats.append(await asyncio.wait_for(waiters[0], DEADLINE))
    assert qs.executing == 2 and qs.waiting == 1
    qs.release(seats[0])  # a second release of the same seat changes nothing
    assert qs.executing == 2
    for s in (seats[1], seats[2]):
        qs.release(s)
    qs.release(await asyncio.wait_for(waiters[1], DEADLINE))
    assert (qs.executing, qs.waiting) == (0, 0)


async def test_reject_answers_at_once_when_the_seats_are_taken() -> None:
    qs = QueueSet(1, None, DEADLINE)
    seat = await qs.acquire(("fs", "a"))
    with pytest.raises(Rejected) as err:
        await qs.acquire(("fs", "b"))
    assert err.value.reason == "concurrency-limit"
    qs.release(seat)
    qs.release(await qs.acquire(("fs", "b")))
    assert qs.executing == 0


async def test_a_request_waiting_too_long_times_out() -> None:
    qs = one_queue(wait=0.05)
    seat = await qs.acquire(("fs", "a"))
    with pytest.raises(Rejected) as err:
        await qs.acquire(("fs", "a"))
    assert err.value.reason == "time-out" and qs.waiting == 0
    qs.release(seat)
    assert qs.executing == 0


async def test_a_cancelled_waiter_leaves_its_queue() -> None:
    qs = one_queue()
    seat = await qs.acquire(("fs", "a"))
    waiter = asyncio.ensure_future(qs.acquire(("fs", "a")))
    await until(lambda: qs.waiting == 1, "waiting")
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert qs.waiting == 0
    qs.release(seat)
    assert qs.executing == 0


async def test_a_waiter_cancelled_just_after_its_seat_was_granted_gives_it_back() -> None:
    qs = one_queue()
    seat = await qs.acquire(("fs", "a"))
    waiter = asyncio.ensure_future(qs.acquire(("fs", "a")))
    await until(lambda: qs.waiting == 1, "waiting")
    qs.release(seat)  # the seat goes to the waiter, which has not run since
    assert qs.executing == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert (qs.executing, qs.waiting) == (0, 0)


async def test_a_flood_is_rejected_while_another_flow_is_served() -> None:
    flooder, other = disjoint_flows(16, 2)
    qs = QueueSet(2, Queuing(queues=16, hand_size=2, queue_length_limit=5), DEADLINE)
    outcomes: dict[str, list[str]] = {"flooder": [], "other": []}

    async def call(flow: tuple[str, str], who: str) -> None:
        try:
            seat = await qs.acquire(flow)
        except Rejected as exc:
            outcomes[who].append(exc.reason)
            return
        try:
            await asyncio.sleep(0.02)
        finally:
            qs.release(seat)
        outcomes[who].append("served")

    flood = [asyncio.ensure_future(call(flooder, "flooder")) for _ in range(200)]
    for _ in range(10):  # the other flow, one call at a time, while the flood is queued
        await call(other, "other")
    await asyncio.gather(*flood)
    assert outcomes["other"] == ["served"] * 10
    assert "queue-full" in outcomes["flooder"] and "served" in outcomes["flooder"]
    assert (qs.executing, qs.waiting) == (0, 0)


@pytest.mark.parametrize(("a_seconds", "b_seconds"), [(0.01, 0.01), (0.02, 0.005)])
async def test_two_saturating_flows_each_get_half_the_seat_time(a_seconds: float, b_seconds: float) -> None:
    """Flow A keeps 40 requests outstanding, flow B 6, for 4 seats: each holds about half the
    seat-seconds (within +-20% of its share), even when B's requests are four times shorter."""
    a, b = disjoint_flows(64, 1)
    qs = QueueSet(4, Queuing(queues=64, hand_size=1, queue_length_limit=100), DEADLINE)
    busy = {a: 0.0, b: 0.0}
    stop = time.monotonic() + 1.5

    async def worker(flow: tuple[str, str], seconds: float) -> None:
        while time.monotonic() < stop:
            seat = await qs.acquire(flow)
            started = time.monotonic()
            try:
                await asyncio.sleep(seconds)
            finally:
                qs.release(seat)
            busy[flow] += time.monotonic() - started

    await asyncio.gather(*(worker(a, a_seconds) for _ in range(40)), *(worker(b, b_seconds) for _ in range(6)))
    share = busy[b] / (busy[a] + busy[b])
    assert 0.4 <= share <= 0.6, f"flow B held {share:.0%} of the seat time"
    assert (qs.executing, qs.waiting) == (0, 0)


OPS = st.lists(st.tuples(st.sampled_from(["call", "cancel", "finish"]), st.integers(0, 3)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(OPS, st.integers(1, 3), st.sampled_from([None, Queuing(queues=4, hand_size=2, queue_length_limit=2)]))
def test_seats_never_leak(ops: list[tuple[str, int]], limit: int, queuing: Queuing | None) -> None:
    """Any mix of calls (from 4 flows), cancellations and completions: never more executing than
    the limit, and once every call is over, no seat is held and nobody waits."""
    async def scenario() -> None:
        qs = QueueSet(limit, queuing, DEADLINE)
        calls: list[asyncio.Future[Seat]] = []
        held: list[Seat] = []
        for op, n in ops:
            if op == "call":
                calls.append(asyncio.ensure_future(qs.acquire(("fs", f"flow-{n}"))))
            elif op == "cancel" and calls:
                calls[n % len(calls)].cancel()
            elif op == "finish" and held:
                qs.release(held.pop(n % len(held)))
            await asyncio.sleep(0)
            held += [c.result() for c in calls if c.done() and not c.cancelled() and c.exception() is None
                     and c.result() not in held and not c.result().released]
            assert qs.executing <= limit
        for c in calls:
            c.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        for c in calls:
            if c.done() and not c.cancelled() and c.exception() is None:
                qs.release(c.result())
        assert (qs.executing, qs.waiting) == (0, 0)
    asyncio.run(scenario())


async def test_reconfiguring_keeps_waiters_and_grows_the_limit() -> None:
    qs = one_queue(limit=1, length=5)
    seat = await qs.acquire(("fs", "a"))
    waiters = [asyncio.ensure_future(qs.acquire(("fs", "a"))) for _ in range(3)]
    await until(lambda: qs.waiting == 3, "three waiting")
    qs.configure(3, Queuing(queues=8, hand_size=2, queue_length_limit=5))  # two more seats: two waiters go
    await until(lambda: qs.executing == 3 and qs.waiting == 1, "two dispatched")
    qs.release(seat)
    for s in await asyncio.wait_for(asyncio.gather(*waiters), DEADLINE):
        qs.release(s)
    assert (qs.executing, qs.waiting) == (0, 0)
