"""The scheduling loop: pop a pod, run its profile's framework, assume, bind.

Cluster changes arrive as informer callbacks (`on_node_*`, `on_pod_*`), from
the API (api_binding.py) or straight from a benchmark; the loop is the same.
Binding is asynchronous when the binder returns an awaitable: the pod already
counts on its node (assume), a failed bind forgets it and backs it off.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from prometheus_client import CollectorRegistry

from kube.scheduler.cache import SchedulerCache
from kube.scheduler.config import Profile
from kube.scheduler.events import EventSink, MemoryEvents
from kube.scheduler.framework import Framework, Outcome
from kube.scheduler.metrics import SchedulerMetrics
from kube.scheduler.pod_info import PodInfo, pod_info
from kube.scheduler.queue import SchedulingQueue

log = logging.getLogger("kube.scheduler")


class Binder(Protocol):
    def bind(self, pod: PodInfo, node: str) -> Any:
        """Bind or raise; may return an awaitable (then binding runs in the background)."""


class BindingGone(Exception):
    """A binder's answer that the pod no longer exists: forget it, never retry it."""


class MemoryBinder:
    """Bindings kept in memory (algorithm mode, tests); confirms at once like a watch would."""

    def __init__(self) -> None:
        self.bound: dict[str, str] = {}
        self.on_bound: Callable[[str, str], Any] | None = None

    def bind(self, pod: PodInfo, node: str) -> None:
        self.bound[pod.key] = node
        if self.on_bound is not None:
            self.on_bound(pod.uid, node)


def _relevant(node: dict[str, Any]) -> tuple:
    meta = node.get("metadata") or {}
    status = node.get("status") or {}
    return (meta.get("labels"), node.get("spec"), status.get("allocatable"), status.get("capacity"))


class Scheduler:
    def __init__(self, profiles: list[Profile] | None = None, *, binder: Binder | None = None,
                 engine: str = "auto", seed: int = 0, clock: Callable[[], float] = time.monotonic,
                 events: EventSink | None = None, registry: CollectorRegistry | None = None) -> None:
        self.cache = SchedulerCache(clock=clock)
        self.queue = SchedulingQueue(clock=clock)
        self.binder: Binder = binder or MemoryBinder()
        if isinstance(self.binder, MemoryBinder) and self.binder.on_bound is None:
            self.binder.on_bound = self.cache.confirm
        self.events: EventSink = events or MemoryEvents()
        self.registry = registry if registry is not None else CollectorRegistry()  # the process's, or private
        self.metrics = SchedulerMetrics(self.registry, self.queue.pending)
        self.frameworks = {
            p.scheduler_name: Framework(p, self.cache.table, self.cache.counts, engine, seed)
            for p in (profiles or [Profile()])
        }
        self.on_attempt: Callable[[PodInfo, Outcome, float], Any] | None = None
        # the API's current copy of a pod by key (the informer's cache), when there is one: a pod that
        # failed to bind is retried only while it is still there, the same pod and still pending
        self.lookup_pod: Callable[[str], dict[str, Any] | None] | None = None
        self._wake = asyncio.Event() if _has_loop() else None
        self._binds: set[asyncio.Task] = set()
        # one log line per binding (attempt and outcome), kube-scheduler's --v=2; off in benchmarks
        self.log_binds = False

    @property
    def engine(self) -> str:
        return next(iter(self.frameworks.values())).engine

    def _moved(self, event: str) -> None:
        if self.queue.move_all_to_active_or_backoff(event):
            self._kick()

    def _kick(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # --- informer callbacks: nodes
    def on_node_add(self, node: dict[str, Any]) -> None:
        self.cache.set_node(node)
        self._moved("NodeAdd")

    def on_node_update(self, node: dict[str, Any]) -> None:
        name = (node.get("metadata") or {}).get("name", "")
        old = self.cache.nodes.get(name)
        self.cache.set_node(node)
        if old is None or _relevant(old) != _relevant(node):
            self._moved("NodeUpdate")

    def on_node_delete(self, node: dict[str, Any] | str) -> None:
        name = node if isinstance(node, str) else (node.get("metadata") or {}).get("name", "")
        self.cache.remove_node(name)

    # --- informer callbacks: pods
    def _ours(self, info: PodInfo) -> bool:
        return info.scheduler_name in self.frameworks

    def on_pod_add(self, pod: dict[str, Any]) -> None:
        info = pod_info(pod)
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            self.on_pod_delete(pod)
            return
        if info.node_name:
            self.queue.delete(info.key)
            self.cache.add_pod(pod)
        elif _being_deleted(pod):
            self.queue.delete(info.key)
        elif self._ours(info) and not self.cache.is_assumed(info.uid):
            self.queue.add(info)
            self._kick()

    def on_pod_update(self, pod: dict[str, Any]) -> None:
        info = pod_info(pod)
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            self.on_pod_delete(pod)
        elif info.node_name:
            self.queue.delete(info.key)
            self.cache.add_pod(pod)
        elif _being_deleted(pod):
            self.queue.delete(info.key)
        elif self._ours(info) and not self.cache.is_assumed(info.uid):
            self.queue.update(info)
            self._kick()

    def on_pod_delete(self, pod: dict[str, Any]) -> None:
        info = pod_info(pod)
        self.queue.delete(info.key)
        if self.cache.remove_pod(info.uid):
            self._moved("AssignedPodDelete")

    # --- one scheduling cycle
    def schedule_one(self) -> Outcome | None:
        """Schedule the next active pod; None when there is none."""
        pod = self.queue.pop()
        if pod is None:
            return None
        start = time.perf_counter()
        fw = self.frameworks[pod.scheduler_name]
        prepared = fw.prepare(pod)
        outcome = fw.run(pod, prepared)
        if outcome.slot >= 0:
            self.cache.assume(pod, outcome.node, prepared.requests, prepared.anti)
            self.queue.done(pod.key)
            self._bind(pod, outcome.node, fw.profile.scheduler_name)
            result = "scheduled"
        else:
            self.queue.add_unschedulable(pod)
            self.events.emit(pod, "FailedScheduling", outcome.message)
            result = "error" if outcome.error else "unschedulable"
        elapsed = time.perf_counter() - start
        self.metrics.observe(result, fw.profile.scheduler_name, elapsed)
        if self.on_attempt is not None:
            self.on_attempt(pod, outcome, elapsed)
        return outcome

    def _bind(self, pod: PodInfo, node: str, profile: str) -> None:
        if self.log_binds:
            log.info("binding pod %s to node %s", pod.key, node)
        try:
            pending = self.binder.bind(pod, node)
        except Exception as exc:  # noqa: BLE001 - any bind failure: forget and retry later
            self._bind_failed(pod, node, exc, profile)
            return
        if pending is not None and inspect.isawaitable(pending):  # the None test skips a costly ABC check
            task = asyncio.ensure_future(pending)
            self._binds.add(task)
            task.add_done_callback(lambda t: self._bind_done(t, pod, node, profile))
        else:
            self.cache.finish_binding(pod.uid)

    def _bind_done(self, task: asyncio.Task, pod: PodInfo, node: str, profile: str) -> None:
        self._binds.discard(task)
        exc = None if task.cancelled() else task.exception()
        if task.cancelled() or exc is not None:
            self._bind_failed(pod, node, exc or asyncio.CancelledError(), profile)
        else:
            if self.log_binds:
                log.info("bound pod %s to node %s", pod.key, node)
            self.cache.finish_binding(pod.uid)

    def _bind_failed(self, pod: PodInfo, node: str, exc: BaseException, profile: str) -> None:
        log.warning("binding %s to %s failed: %s", pod.key, node, exc)
        self.cache.forget(pod.uid)
        if self._still_pending(pod) and not isinstance(exc, BindingGone):
            self.queue.requeue_backoff(pod)
            self.events.emit(pod, "FailedScheduling", f"Binding rejected: {exc}")
        else:  # deleted (maybe while binding: its delete event has come and gone), replaced or bound
            log.info("pod %s is gone or no longer pending: not retrying it", pod.key)
        self.metrics.observe("error", profile, 0.0)
        self._moved("AssumedPodForget")

    def _still_pending(self, pod: PodInfo) -> bool:
        if self.lookup_pod is None:
            return True
        current = self.lookup_pod(pod.key)
        if current is None or _being_deleted(current):
            return False
        meta, spec = current.get("metadata") or {}, current.get("spec") or {}
        return (meta.get("uid") or pod.uid) == pod.uid and not spec.get("nodeName")

    def run_until_idle(self) -> int:
        """Schedule until activeQ is empty (back-offs are not waited for); returns attempts."""
        n = 0
        while self.schedule_one() is not None:
            n += 1
        return n

    async def run(self, stop: asyncio.Event) -> None:
        """The loop of the `kube scheduler` process: schedule, yield, wait for work."""
        if self._wake is None:
            self._wake = asyncio.Event()
        last_cleanup = 0.0
        while not stop.is_set():
            self.queue.flush()
            now = time.monotonic()
            if now - last_cleanup > 1.0:
                if self.cache.cleanup_expired():
                    self._moved("AssumedPodExpired")
                last_cleanup = now
            worked = 0
            while worked < 64 and self.schedule_one() is not None:
                worked += 1
            if worked:
                await asyncio.sleep(0)
                continue
            self._wake.clear()
            nxt = self.queue.next_backoff()
            timeout = 1.0 if nxt is None else max(0.0, min(1.0, nxt - self.queue.clock()))
            try:
                async with asyncio.timeout(timeout):  # unlike 3.11's wait_for, never swallows a cancel
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def drain_binds(self) -> None:
        while self._binds:
            await asyncio.gather(*list(self._binds), return_exceptions=True)


def _being_deleted(pod: dict[str, Any]) -> bool:
    """kube-scheduler skips pods with a deletionTimestamp: they are going, not to be placed."""
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
