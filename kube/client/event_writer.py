"""Events posted to the API by one worker from a bounded queue: the one home of the
rule every component's recorder follows (scheduler, controllers, node agent).

`submit` never blocks and never starts a task per Event (client-go's broadcaster has
one goroutine and a bounded channel too):
- an Event equal to one still waiting (same key) is folded into it: its count grows
  and its latest fields win;
- a repeat of one already posted becomes a PATCH of its `count` and `lastTimestamp`
  (a fresh create if that Event was pruned meanwhile);
- once `max_pending` distinct Events wait (the API is slow or down) new ones are
  dropped and counted, as client-go's broadcaster drops when full;
- a post (create or count PATCH) past client-go's spam limit for its source and object
  (kube/client/event_spam.py: 25, then one per 5 minutes) is dropped and counted.
A failed post is dropped too; the log says once that posting broke and once that it
works again (Outage), with a back-off between failures so a dead API is not hammered.
The worker ends when nothing waits, so nothing outlives a term of leadership.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.event_spam import SpamFilter
from kube.client.paths import object_path
from kube.client.rest import RestClient
from kube.client.retry_watch import Outage, retryable

log = logging.getLogger("kube.client.events")
EVENT = resolve("events")
BuildEvent = Callable[[int], Obj]  # count -> the Event to create


def event_stamp() -> str:
    """An Event timestamp as Kubernetes writes them (seconds, UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Pending:
    namespace: str
    build: BuildEvent
    bump: dict[str, Any] = field(default_factory=dict)  # fields a count PATCH also sets
    count: int = 1


class EventWriter:
    def __init__(self, client: RestClient, name: str, *, max_pending: int = 1000, remembered: int = 4096,
                 backoff: Backoff | None = None) -> None:
        self.client = client
        self.name = name
        self.max_pending = max_pending
        self.remembered = remembered
        self.backoff = backoff or Backoff(base=0.5, cap=10.0)
        self.outage = Outage(f"{name} events", log)
        self.posted = 0  # creates and count PATCHes that succeeded
        self.dropped = 0  # Events not sent: the queue was full, or the post failed
        self.spam = SpamFilter()
        self.spammed = 0  # Events not sent: past the spam limit for their source and object
        self._pending: dict[Hashable, _Pending] = {}  # oldest first
        self._sent: dict[Hashable, Obj] = {}  # posted Events, for their count PATCH
        self._worker: asyncio.Task[None] | None = None

    def submit(self, key: Hashable, namespace: str, build: BuildEvent, *, times: int = 1,
               bump: dict[str, Any] | None = None) -> bool:
        """Queue an Event (False: dropped, the queue is full). Safe from any loop callback."""
        pending = self._pending.get(key)
        if pending is not None:
            pending.count += times
            pending.build = build
            if bump:
                pending.bump.update(bump)
            return True
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("%s: %d Events waiting to be posted: dropped %d so far", self.name,
                            len(self._pending), self.dropped)
            return False
        self._pending[key] = _Pending(namespace, build, dict(bump or {}), times)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain(), name=f"{self.name}-events")
        return True

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

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _drain(self) -> None:
        while self._pending:
            key = next(iter(self._pending))
            item = self._pending.pop(key)
            try:
                event = item.build(item.count)
                if not self.spam.allow(event):
                    self._spammed(key)
                    continue
                await self._post(key, item, event)
            except (ApiError, ApiConnectionError, OSError) as exc:
                self.dropped += 1
                self._sent.pop(key, None)
                if isinstance(exc, ApiError) and not retryable(exc):  # this Event's own problem (its namespace gone)
                    log.debug("%s: Event %s not recorded: %s", self.name, key, exc)
                    continue
                self.outage.broke(exc, "posting Events")
                await asyncio.sleep(self.backoff.next())  # the API is away or overloaded: do not hammer it
                continue
            except Exception:  # noqa: BLE001 - a bug here must not take the component down
                self.dropped += 1
                log.exception("%s: posting Event %s failed", self.name, key)
                continue
            self.posted += 1
            self.backoff.reset()
            self.outage.recovered()

    def _spammed(self, key: Hashable) -> None:
        self.spammed += 1
        if self.spammed == 1 or self.spammed % 1000 == 0:
            log.warning("%s: Events past the spam limit (25 per object, then one per 5 minutes): dropped %d so far"
                        " (latest %s)", self.name, self.spammed, key)

    async def _post(self, key: Hashable, item: _Pending, event: Obj) -> None:
        prev = self._sent.get(key)
        if prev is not None:
            count = int(prev.get("count") or 1) + item.count
            patch = {"count": count, "lastTimestamp": event_stamp(), **item.bump}
            try:
                await self.client.request("PATCH", object_path(EVENT, item.namespace, prev["metadata"]["name"]),
                                          body=patch, content_type="application/merge-patch+json")
            except ApiError as exc:
                if exc.code != 404:
                    raise
                del self._sent[key]  # pruned meanwhile: post it anew
            else:
                prev["count"] = count
                return
        created = await self.client.create(EVENT, event, item.namespace)
        if len(self._sent) >= self.remembered:
            self._sent.clear()
        self._sent[key] = created

