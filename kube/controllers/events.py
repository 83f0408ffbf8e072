"""Events the controllers record (core/v1 Event), as client-go's recorder and EventCorrelator do.

Recording never blocks a reconcile: `record()` only queues a `Note`; one background task
writes them. Repeats are folded instead of multiplied, so a controller creating a thousand
pods costs a handful of writes, not a thousand:
- the same event again (same object, type, reason, message) bumps `count` and
  `lastTimestamp` of the Event already written;
- more than `AGGREGATE_AFTER` distinct messages with one reason for one object within
  `AGGREGATE_WINDOW` seconds become a single "(combined from similar events): ..." Event
  whose count grows (client-go's EventAggregator);
- everything queued while a write is in flight is merged into one write per Event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.rest import RestClient

EVENT = by_gvk("", "v1", "Event")
assert EVENT is not None
log = logging.getLogger("kube.controllers.events")

NORMAL, WARNING = "Normal", "Warning"
AGGREGATE_AFTER = 10
AGGREGATE_WINDOW = 600.0
COMBINED_PREFIX = "(combined from similar events): "
_REMEMBERED = 4096  # Events remembered for de-duplication (client-go's LRU holds 4096)


@dataclass(frozen=True)
class Note:
    """One thing that happened to one object: what a controller hands the recorder."""

    involved: tuple[tuple[str, str], ...]  # the ObjectReference, as sorted (field, value) pairs
    type: str
    reason: str
    message: str

    @property
    def reference(self) -> dict[str, str]:
        return dict(self.involved)


def note(obj: Obj, event_type: str, reason: str, message: str) -> Note:
    """A Note about `obj` (a full object: its kind, apiVersion, namespace, name and uid are kept)."""
    meta = obj.get("metadata") or {}
    ref = {"kind": obj.get("kind", ""), "apiVersion": obj.get("apiVersion", ""), "name": meta.get("name", ""),
           "namespace": meta.get("namespace", ""), "uid": meta.get("uid", "")}
    return Note(tuple(sorted((k, str(v)) for k, v in ref.items() if v)), event_type, reason, message)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_namespace(ref: dict[str, str]) -> str:
    """Events of cluster-scoped objects (Node, Namespace) live in `default`, as in Kubernetes."""
    return ref.get("namespace") or "default"


def new_event(n: Note, component: str, host: str, count: int = 1) -> Obj:
    ref = n.reference
    stamp = _stamp()
    source = {"component": component, **({"host": host} if host else {})}
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{ref.get('name', 'event')}.{time.time_ns():x}",
                         "namespace": event_namespace(ref)},
            "involvedObject": ref, "reason": n.reason, "message": n.message, "type": n.type,
            "source": source, "reportingComponent": component, "reportingInstance": host or component,
            "firstTimestamp": stamp, "lastTimestamp": stamp, "count": count}


class Correlator:
    """Decides, per Note, which Event it lands in (pure bookkeeping, no I/O): the key of the
    Event to create or bump, and the message that Event carries."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self._similar: dict[tuple, tuple[float, set[str]]] = {}

    def correlate(self, n: Note) -> tuple[Note, str]:
        """(the key of the Event this Note lands in, the message that Event should show)."""
        group = (n.involved, n.type, n.reason)
        now = self.clock()
        started, messages = self._similar.get(group, (now, set()))
        if now - started > AGGREGATE_WINDOW:
            started, messages = now, set()
        messages.add(n.message)
        if len(self._similar) >= _REMEMBERED and group not in self._similar:
            self._similar.clear()
        self._similar[group] = (started, messages)
        if len(messages) > AGGREGATE_AFTER:
            return Note(n.involved, n.type, n.reason, COMBINED_PREFIX), COMBINED_PREFIX + n.message
        return n, n.message


class EventRecorder:
    """Fire-and-forget Event writer for one component (`source.component`)."""

    def __init__(self, client: RestClient, component: str, host: str = "") -> None:
        self.client = client
        self.component = component
        self.host = host
        self.correlator = Correlator()
        self._pending: dict[Note, tuple[int, str]] = {}  # key -> (times seen, latest message)
        self._written: dict[Note, Obj] = {}  # the Event each key landed in (for count bumps)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.writes = 0

    def record(self, n: Note) -> None:
        """Queue a Note; safe to call from any reconcile (it never waits on the API)."""
        log.debug("event %s %s %s: %s", n.type, n.reason, n.reference.get("name"), n.message)
        key, message = self.correlator.correlate(n)
        self._pending[key] = (self._pending.get(key, (0, ""))[0] + 1, message)
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything recorded so far is written (tests, shutdown)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _drain(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, {}
            for key, (times, message) in batch.items():
                try:
                    await self._write(key, times, message)
                except Exception:  # an Event is never worth stopping the recorder for
                    log.exception("could not record event %s", key.reason)
            if not self._pending:
                self._idle.set()

    async def _write(self, key: Note, times: int, message: str) -> None:
        ref = key.reference
        namespace = event_namespace(ref)
        try:
            previous = self._written.get(key)
            if previous is not None:
                previous["count"] = int(previous.get("count") or 1) + times
                previous["lastTimestamp"] = _stamp()
                try:
                    await self.client.patch(EVENT, previous["metadata"]["name"],
                                            {"count": previous["count"], "lastTimestamp": previous["lastTimestamp"],
                                             "message": message}, namespace)
                    self.writes += 1
                    return
                except ApiError as exc:
                    if exc.code != 404:  # the Event expired or was deleted: write a fresh one
                        raise
            event = new_event(Note(key.involved, key.type, key.reason, message), self.component, self.host, times)
            created = await self.client.create(EVENT, event, namespace)
            self.writes += 1
            if len(self._written) >= _REMEMBERED:
                self._written.clear()
            self._written[key] = created
        except (ApiError, ApiConnectionError, OSError) as exc:
            self._written.pop(key, None)
            log.warning("could not record event %s for %s %s/%s: %s", key.reason, ref.get("kind"), namespace,
                        ref.get("name"), exc)
