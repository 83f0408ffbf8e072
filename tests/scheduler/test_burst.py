"""The scheduler under a burst (issue 10, finding 7): Events from one worker and a bounded
queue, the API's absence never an unretrieved task exception, and deleted pods leave the
queue for good instead of being retried for binding."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from kube.api.registry import resolve
from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.scheduler.api_binding import ApiBinder, ApiEvents
from kube.scheduler.pod_info import pod_info
from kube.scheduler.scheduler import BindingGone, Scheduler
from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.conftest import free_port
from tests.scheduler.objects import node, pod

EVENT, POD = resolve("events"), resolve("pods")


def loop_errors() -> list[dict[str, Any]]:
    """Everything the event loop would print as 'Task exception was never retrieved' and the like."""
    seen: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: seen.append(context))
    return seen


async def test_a_burst_with_the_api_down_runs_one_task_in_bounded_memory(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kube.client.events")
    errors = loop_errors()
    client = RestClient(ClientConfig(servers=[f"http://127.0.0.1:{free_port()}"]))
    events = ApiEvents(client, max_pending=100, backoff=Backoff(base=0.01, cap=0.02))
    before = len(asyncio.all_tasks())
    try:
        for _round in range(20):
            for i in range(1000):  # 1,000 pods fail again and again: 20,000 Events
                events.emit(pod_info(pod(f"p{i}")), "FailedScheduling", "0/3 nodes are available")
            assert len(asyncio.all_tasks()) <= before + 1  # one worker, not a task per Event
            assert events.pending() <= 100
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert events.dropped > 10_000 and events.posted == 0
        outage_lines = [r for r in caplog.records if "posting Events" in r.getMessage()]
        assert len(outage_lines) == 1  # once, not once per failed post
    finally:
        await client.close()
    import gc

    gc.collect()
    await asyncio.sleep(0)
    assert errors == []


async def test_repeats_fold_into_one_event_and_its_count(kubeconfig) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    events = ApiEvents(client)
    info = pod_info(pod("huge"))
    try:
        for _ in range(100):
            events.emit(info, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.")
        await events.flush(20)
        [event] = (await client.list(EVENT, "default"))["items"]
        assert event["count"] == 100 and event["involvedObject"]["name"] == "huge"
        for _ in range(5):
            events.emit(info, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.")
        await events.flush(20)
        [event] = (await client.list(EVENT, "default"))["items"]
        assert event["count"] == 105 and events.posted == 2 and events.dropped == 0
    finally:
        await client.close()


async def test_a_bind_for_a_deleted_pod_is_gone(kubeconfig) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    try:
        with pytest.raises(BindingGone):
            await ApiBinder(client).bind(pod_info(pod("never-created")), "n1")
    finally:
        await client.close()


class BlockingBinder:
    """Binds only when released, then fails the way it is told to."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error
        self.release = asyncio.Event()
        self.calls: list[str] = []

    async def bind(self, p, node_name: str) -> None:  # type: ignore[no-untyped-def]
        self.calls.append(p.key)
        await self.release.wait()
        if self.error is not None:
            raise self.error


def scheduler(binder: Any, informer: dict[str, dict[str, Any]] | None = None) -> Scheduler:
    s = Scheduler(binder=binder)
    if informer is not None:
        s.lookup_pod = informer.get
    s.on_node_add(node("n"))
    return s


async def test_a_bind_answered_404_forgets_the_pod() -> None:
    binder = BlockingBinder(BindingGone('pods "p" not found'))
    s = scheduler(binder)
    s.on_pod_add(pod("p"))
    s.schedule_one()
    binder.release.set()
    await s.drain_binds()
    assert len(s.queue) == 0 and s.queue.where("default/p") is None and not s.cache.is_assumed("uid-default-p")
    s.queue.flush()
    assert s.schedule_one() is None and binder.calls == ["default/p"]


async def test_a_pod_deleted_while_binding_is_not_retried() -> None:
    informer = {"default/p": pod("p")}
    binder = BlockingBinder(ApiConnectionError(["https://api"], ConnectionResetError("reset"), broken=True))
    s = scheduler(binder, informer)
    s.on_pod_add(pod("p"))
    s.schedule_one()
    del informer["default/p"]  # its delete event arrives while the bind is in flight ...
    s.on_pod_delete(pod("p"))
    binder.release.set()  # ... then the bind fails
    await s.drain_binds()
    assert len(s.queue) == 0 and s.queue.pending() == {"active": 0, "backoff": 0, "unschedulable": 0}


async def test_a_failed_bind_of_a_pod_still_pending_is_retried() -> None:
    informer = {"default/p": pod("p")}
    binder = BlockingBinder(ApiConnectionError(["https://api"], ConnectionResetError("reset"), broken=True))
    s = scheduler(binder, informer)
    s.on_pod_add(pod("p"))
    s.schedule_one()
    binder.release.set()
    await s.drain_binds()
    assert s.queue.where("default/p") == "backoff"


async def test_a_pod_re_created_or_bound_elsewhere_is_not_retried() -> None:
    for current in ({**pod("p"), "metadata": {**pod("p")["metadata"], "uid": "another"}}, pod("p", node_name="n")):
        informer = {"default/p": current}
        binder = BlockingBinder(RuntimeError("409 Conflict"))
        s = scheduler(binder, informer)
        s.on_pod_add(pod("p"))
        s.schedule_one()
        binder.release.set()
        await s.drain_binds()
        assert s.queue.where("default/p") is None


def test_pods_deleted_while_unschedulable_or_backing_off_leave_the_queue() -> None:
    s = Scheduler()
    s.on_node_add(node("small", cpu="1"))
    s.on_pod_add(pod("parked", cpu="2"))
    s.on_pod_add(pod("backing-off", cpu="2"))
    s.run_until_idle()
    assert s.queue.where("default/parked") == "unschedulable"
    s.on_pod_delete(pod("parked", cpu="2"))
    assert s.queue.where("default/parked") is None
    s.on_node_add(node("other", cpu="1"))  # a cluster event: the unschedulable pod moves to back-off
    assert s.queue.where("default/backing-off") == "backoff"
    s.on_pod_delete(pod("backing-off", cpu="2"))
    assert len(s.queue) == 0
    s.queue.initial_backoff = 0.0
    s.queue.flush()
    assert s.run_until_idle() == 0  # nothing comes back from the back-off heap


def test_a_pod_being_deleted_is_not_scheduled() -> None:
    s = Scheduler()
    s.on_node_add(node("n"))
    going = pod("going")
    going["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    s.on_pod_add(going)
    assert len(s.queue) == 0
    s.on_pod_add(pod("p"))
    s.on_pod_update({**pod("p"), "metadata": {**pod("p")["metadata"], "deletionTimestamp": "2026-01-01T00:00:00Z"}})
    assert s.run_until_idle() == 0 and s.binder.bound == {}
