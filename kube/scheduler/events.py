"""Scheduling Events (FailedScheduling, Scheduled) as core/v1 Event objects.

The scheduler hands them to a sink: `MemoryEvents` keeps them (benchmarks,
tests); the API sink (api_binding.py) posts them. Names are `<pod>.<hex nanoseconds>`, as kube-scheduler's. Repeats of the same
(pod, reason, message) bump `count` instead of piling up, as the kubelet and
kube-scheduler's event broadcaster do.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from kube.api.meta import now_rfc3339
from kube.scheduler.pod_info import PodInfo

COMPONENT = "default-scheduler"


def make_event(pod: PodInfo, reason: str, message: str, kind: str = "Warning") -> dict[str, Any]:
    now = now_rfc3339()
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{pod.name}.{time.time_ns():x}", "namespace": pod.namespace},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod.name, "namespace": pod.namespace,
                           "uid": pod.uid},
        "reason": reason,
        "message": message,
        "type": kind,
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }


class EventSink(Protocol):
    def emit(self, pod: PodInfo, reason: str, message: str, kind: str = "Warning") -> None: ...


class MemoryEvents:
    def __init__(self, limit: int = 10_000) -> None:
        self.events: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.limit = limit

    def emit(self, pod: PodInfo, reason: str, message: str, kind: str = "Warning") -> None:
        key = (pod.uid, reason, message)
        ev = self.events.get(key)
        if ev is not None:
            ev["count"] += 1
            ev["lastTimestamp"] = now_rfc3339()
        elif len(self.events) < self.limit:
            self.events[key] = make_event(pod, reason, message, kind)

    def for_pod(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events.values() if e["involvedObject"]["name"] == name]
