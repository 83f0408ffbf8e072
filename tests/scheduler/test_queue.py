"""SchedulingQueue: priority order, back-off, and moves on cluster events."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.scheduler.pod_info import pod_info
from kube.scheduler.queue import ACTIVE, BACKOFF, UNSCHEDULABLE, SchedulingQueue
from tests.scheduler.objects import pod


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def info(name: str, priority: int = 0):
    i = pod_info(pod(name, priorityClassName=None, priority=priority))
    return i


def test_pops_by_priority_then_arrival():
    q = SchedulingQueue(clock=Clock())
    for name, prio in [("low", 0), ("high", 10), ("low2", 0), ("mid", 5)]:
        q.add(info(name, prio))
    assert [q.pop().name for _ in range(4)] == ["high", "mid", "low", "low2"]
    assert q.pop() is None


def test_unschedulable_waits_for_an_event_then_backs_off():
    clock = Clock()
    q = SchedulingQueue(clock=clock)
    q.add(info("p"))
    p = q.pop()
    q.add_unschedulable(p)
    assert q.where("default/p") == UNSCHEDULABLE and q.pop() is None
    q.move_all_to_active_or_backoff("NodeAdd")
    assert q.where("default/p") == BACKOFF  # first failure: 1s back-off still running
    clock.now += 1.01
    q.flush()
    assert q.where("default/p") == ACTIVE
    assert q.pop().name == "p"


def test_backoff_doubles_up_to_ten_seconds():
    clock = Clock()
    q = SchedulingQueue(clock=clock)
    p = info("p")
    delays = []
    for attempts in range(1, 8):
        p.attempts = attempts
        p.last_failure = clock.now
        delays.append(q.backoff_until(p) - clock.now)
    assert delays == [1, 2, 4, 8, 10, 10, 10]


def test_event_during_the_cycle_sends_the_pod_to_backoff_not_limbo():
    clock = Clock()
    q = SchedulingQueue(clock=clock)
    q.add(info("p"))
    p = q.pop()
    q.move_all_to_active_or_backoff("NodeAdd")  # a node joined while p was being scheduled
    q.add_unschedulable(p)
    assert q.where("default/p") == BACKOFF


def test_pending_counts_and_delete():
    q = SchedulingQueue(clock=Clock())
    q.add(info("a"))
    q.add(info("b"))
    assert q.pending() == {ACTIVE: 2, BACKOFF: 0, UNSCHEDULABLE: 0}
    q.delete("default/a")
    assert q.pending()[ACTIVE] == 1
    assert q.pop().name == "b"


OPS = st.lists(st.tuples(st.sampled_from(["add", "pop_fail", "pop_done", "update", "delete", "requeue", "move",
                                          "flush", "tick"]), st.integers(0, 5)), max_size=60)


@given(OPS)
@settings(max_examples=200, deadline=None)
def test_the_parked_pods_are_exactly_the_unschedulable_ones(ops):
    """A cluster event walks only `_parked`: it must hold every unschedulable pod and nothing else."""
    clock = Clock()
    q = SchedulingQueue(clock=clock)
    for op, n in ops:
        name = f"p{n % 3}"  # few names: operations on one pod meet often
        if op == "add":
            q.add(info(name))
        elif op == "pop_fail" and (p := q.pop()) is not None:
            q.add_unschedulable(p)
        elif op == "pop_done" and (p := q.pop()) is not None:
            q.done(p.key)
        elif op == "update":
            q.update(info(name))
        elif op == "delete":
            q.delete(f"default/{name}")
        elif op == "requeue" and (p := q.pop()) is not None:
            q.requeue_backoff(p)
        elif op == "move":
            q.move_all_to_active_or_backoff("NodeAdd")
        elif op == "flush":
            q.flush()
        elif op == "tick":
            clock.now += 0.6 * (n + 1) + (300 if n == 5 else 0)
        parked = {k for k in (f"default/p{i}" for i in range(3)) if q.where(k) == UNSCHEDULABLE}
        assert set(q._parked) == parked and q.pending()[UNSCHEDULABLE] == len(parked)
