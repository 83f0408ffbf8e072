"""The scheduler's Events, posted to the API by one worker from a bounded queue.

A burst of unschedulable pods emits an Event per attempt. `emit` never blocks and
never starts a task per Event (client-go's event broadcaster has one goroutine and
a bounded channel too): an Event equal to one still waiting (same pod, reason and
message) is folded into it, a repeat of one already posted becomes a PATCH of its
`count`, and once `max_pending` distinct Events wait (the API is slow or down) new
ones are dropped and counted, as client-go's broadcaster drops when full. A failed
post is dropped too; the log says once that posting broke and once that it works
again. The worker ends when nothing waits, so nothing outlives a term of leadership.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from kube.api.registry import resolve
from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.paths import object_path
from kube.client.rest import RestClient
from kube.client.retry_watch import Outage, retryable
from kube.scheduler.events import make_event
from kube.scheduler.pod_info import PodInfo

log = logging.getLogger("kube.scheduler.events")
EVENT = resolve("events")
Key = tuple[str, str, str]  # (pod uid, reason, message)


@dataclass
class _Pending:
    pod: PodInfo
    reason: str
    message: str
    kind: str
    count: int = 1


class ApiEvents:
    def __init__(self, client: RestClient, *, max_pending: int = 1000, remembered: int = 10_000,
                 backoff: Backoff | None = None) -> None:
        self.client = client
        self.max_pending = max_pending
        self.remembered = remembered
        self.backoff = backoff or Backoff(base=0.5, cap=10.0)
        self.outage = Outage("scheduler events", log)
        self.posted = 0  # creates and count PATCHes that succeeded
        self.dropped = 0  # Events not sent: the queue was full, or the post failed
        self._pending: dict[Key, _Pending] = {}  # oldest first
        self._sent: dict[Key, dict[str, Any]] = {}  # posted Events, for their count PATCH
        self._worker: asyncio.Task[None] | None = None

    def emit(self, pod: PodInfo, reason: str, message: str, kind: str = "Warning") -> None:
        key = (pod.uid, reason, message)
        pending = self._pending.get(key)
        if pending is not None:
            pending.count += 1
            return
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("%d Events waiting to be posted: dropped %d so far", len(self._pending), self.dropped)
            return
        self._pending[key] = _Pending(pod, reason, message, kind)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain(), name="scheduler-events")

    def pending(self) -> int:
        return len(self._pending)

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait (a while) for what is queued to be posted: a clean shutdown's last Events."""
        if self._worker is not None and not self._worker.done():
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.shield(self._worker)
            except TimeoutError:
                pass

    async def _drain(self) -> None:
        while self._pending:
            key = next(iter(self._pending))
            item = self._pending.pop(key)
            try:
                await self._post(key, item)
            except (ApiError, ApiConnectionError) as exc:
                self.dropped += 1
                if not retryable(exc):  # this Event's own problem (its namespace going away, ...)
                    log.debug("Event %s for %s not recorded: %s", item.reason, item.pod.key, exc)
                    continue
                self.outage.broke(exc, "posting Events")
                await asyncio.sleep(self.backoff.next())  # the API is away or overloaded: do not hammer it
                continue
            except Exception:  # noqa: BLE001 - a bug here must not take scheduling down
                self.dropped += 1
                log.exception("posting Event %s for %s failed", item.reason, item.pod.key)
                continue
            self.posted += 1
            self.backoff.reset()
            self.outage.recovered()

    async def _post(self, key: Key, item: _Pending) -> None:
        prev = self._sent.get(key)
        if prev is not None:
            count = int(prev.get("count") or 1) + item.count
            patch = {"count": count, "lastTimestamp": make_event(item.pod, item.reason, item.message)["lastTimestamp"]}
            try:
                await self.client.request("PATCH", object_path(EVENT, item.pod.namespace, prev["metadata"]["name"]),
                                          body=patch, content_type="application/merge-patch+json")
            except ApiError as exc:
                if exc.code != 404:
                    raise
                del self._sent[key]  # pruned meanwhile: post it anew
            else:
                prev["count"] = count
                return
        event = make_event(item.pod, item.reason, item.message, item.kind)
        event["count"] = item.count
        created = await self.client.create(EVENT, event, item.pod.namespace)
        if len(self._sent) >= self.remembered:
            self._sent.clear()
        self._sent[key] = created
