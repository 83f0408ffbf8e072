"""The scheduling loop: events, re-queueing, asynchronous binding, assume expiry (metrics: test_metrics.py)."""

from __future__ import annotations

import asyncio

from kube.scheduler.scheduler import Scheduler
from tests.scheduler.objects import node, pod, schedule_all


def test_unschedulable_pod_becomes_schedulable_when_a_fitting_node_joins():
    s = schedule_all([node("small", cpu="1")], [pod("big", cpu="2")])
    assert s.binder.bound == {}
    assert s.queue.where("default/big") == "unschedulable"
    s.queue.initial_backoff = 0.0  # do not wait out the back-off in a test
    s.on_node_add(node("large", cpu="8"))
    s.queue.flush()
    s.run_until_idle()
    assert s.binder.bound == {"default/big": "large"}


def test_deleting_a_pod_frees_room_for_a_waiting_one():
    s = schedule_all([node("n", pods=1)], [pod("a"), pod("b")])
    assert s.binder.bound == {"default/a": "n"}
    s.queue.initial_backoff = 0.0
    bound_a = pod("a", node_name="n")
    s.on_pod_update(bound_a)  # the watch confirms the binding
    s.on_pod_delete(bound_a)
    s.queue.flush()
    s.run_until_idle()
    assert s.binder.bound["default/b"] == "n"


def test_pods_of_other_schedulers_are_ignored():
    s = schedule_all([node("n")], [pod("p", schedulerName="other")])
    assert s.binder.bound == {} and len(s.queue) == 0


class FlakyBinder:
    def __init__(self, fail: set[str]) -> None:
        self.fail = fail
        self.bound: dict[str, str] = {}

    async def bind(self, p, node_name: str) -> None:
        await asyncio.sleep(0)
        if p.name in self.fail:
            self.fail.discard(p.name)
            raise RuntimeError("conflict")
        self.bound[p.key] = node_name


async def test_async_bind_failure_forgets_and_requeues():
    now = [0.0]
    binder = FlakyBinder({"p"})
    s = Scheduler(binder=binder, clock=lambda: now[0])
    s.on_node_add(node("n", pods=1))
    s.on_pod_add(pod("p"))
    s.schedule_one()
    assert s.cache.is_assumed("uid-default-p")
    assert s.cache.table.requested(0)[2] == 1  # counted while binding
    await s.drain_binds()
    assert not s.cache.is_assumed("uid-default-p")
    assert s.cache.table.requested(0)[2] == 0  # forgotten
    assert s.queue.where("default/p") == "backoff"
    assert "Binding rejected: conflict" in s.events.for_pod("p")[0]["message"]
    now[0] += 1.01
    s.queue.flush()
    s.schedule_one()
    await s.drain_binds()
    assert binder.bound == {"default/p": "n"}


async def test_assumed_pod_expires_without_confirmation():
    now = [0.0]
    binder = FlakyBinder(set())
    s = Scheduler(binder=binder, clock=lambda: now[0])
    s.on_node_add(node("n"))
    s.on_pod_add(pod("p"))
    s.schedule_one()
    await s.drain_binds()
    assert s.cache.is_assumed("uid-default-p")
    now[0] += 31
    assert s.cache.cleanup_expired() == ["uid-default-p"]
    assert s.cache.table.requested(0)[2] == 0


async def test_watch_confirmation_keeps_the_pod():
    now = [0.0]
    s = Scheduler(binder=FlakyBinder(set()), clock=lambda: now[0])
    s.on_node_add(node("n"))
    s.on_pod_add(pod("p"))
    s.schedule_one()
    await s.drain_binds()
    s.on_pod_update(pod("p", node_name="n"))
    now[0] += 100
    assert s.cache.cleanup_expired() == []
    assert s.cache.table.requested(0)[2] == 1


async def test_run_loop_schedules_and_stops():
    s = Scheduler(binder=FlakyBinder(set()))
    stop = asyncio.Event()
    task = asyncio.create_task(s.run(stop))
    s.on_node_add(node("n"))
    s.on_pod_add(pod("p"))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if s.binder.bound:
            break
    stop.set()
    await asyncio.wait_for(task, 5)
    assert s.binder.bound == {"default/p": "n"}
