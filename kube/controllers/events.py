"""Events the controllers record (core/v1 Event), as client-go's recorder and EventCorrelator do.

Recording never blocks a reconcile: `record()` only queues a `Note`; one background task
writes them. Repeats are folded instead of multiplied, so a controller creating a thousand
pods costs a handful of writes, not a thousand:
- the same event again (same object, type, reason, message) bumps `count` and
  `lastTimestamp` of the Event already written;
- more than `AGGREGATE_AFTER` distinct messages with one reason for one object within
  `AGGREGATE_WINDOW` seconds become a single "(combined from similar events): ..." Event
  whose count grows (client-go's EventAggregator);
- everything queued while a write is in flight is merged into one write per Event;
- at most `max_pending` distinct Events wait; beyond that they are dropped and counted
  (kube/client/event_writer.py holds these writing rules for every component).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.client.event_writer import EventWriter, event_stamp
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


def event_namespace(ref: dict[str, str]) -> str:
    """Events of cluster-scoped objects (Node, Namespace) live in `default`, as in Kubernetes."""
    return ref.get("namespace") or "default"


def new_event(n: Note, component: str, host: str, count: int = 1) -> Obj:
    ref = n.reference
    stamp = event_stamp()
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
    """Fire-and-forget Event writer for one component (`source.component`): the
    Correlator picks the Event a Note lands in, the client's bounded EventWriter posts it."""

    def __init__(self, client: RestClient, component: str, host: str = "", *, max_pending: int = 1000) -> None:
        self.component = component
        self.host = host
        self.correlator = Correlator()
        self.writer = EventWriter(client, component, max_pending=max_pending, remembered=_REMEMBERED)

    @property
    def writes(self) -> int:
        return self.writer.posted

    def record(self, n: Note) -> None:
        """Queue a Note; safe to call from any reconcile (it never waits on the API)."""
        log.debug("event %s %s %s: %s", n.type, n.reason, n.reference.get("name"), n.message)
        key, message = self.correlator.correlate(n)

        def build(count: int) -> Obj:
            return new_event(Note(key.involved, key.type, key.reason, message), self.component, self.host, count)

        self.writer.submit(key, event_namespace(key.reference), build, bump={"message": message})

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything recorded so far is written (tests, shutdown)."""
        await self.writer.flush(timeout)

    async def stop(self) -> None:
        await self.writer.stop()
