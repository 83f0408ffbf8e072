"""Port-forward's gauges on the node's /metrics, read at scrape time from the sessions alive now:
kube_node_port_forward_sessions{protocol} (open sessions per protocol) and
kube_node_port_forward_tasks (their forwarding tasks: one per forwarded SPDY connection, or a pair
still waiting for its second stream; one per v4 port), so a client that vanished mid-stream would show
as tasks that never went away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

PROTOCOLS = ("spdy", "spdy-websocket", "v4")


class _HasTasks(Protocol):
    tasks: set[asyncio.Task[None]]


class LiveSessions(Collector):
    def __init__(self) -> None:
        self.sessions: dict[int, tuple[str, _HasTasks]] = {}

    @contextlib.contextmanager
    def track(self, protocol: str, session: _HasTasks) -> Iterator[None]:
        self.sessions[id(session)] = (protocol, session)
        try:
            yield
        finally:
            self.sessions.pop(id(session), None)

    def task_count(self) -> int:
        return sum(len(s.tasks) for _, s in self.sessions.values())

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return LiveSessions().collect()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        sessions = GaugeMetricFamily("kube_node_port_forward_sessions", "Open port-forward sessions.",
                                     labels=["protocol"])
        for protocol in PROTOCOLS:
            sessions.add_metric([protocol], sum(1 for p, _ in self.sessions.values() if p == protocol))
        tasks = GaugeMetricFamily("kube_node_port_forward_tasks",
                                  "Port-forward tasks alive (a forwarded SPDY connection, a v4 port).")
        tasks.add_metric([], self.task_count())
        yield sessions
        yield tasks


LIVE = LiveSessions()  # the process's sessions (one node server per process)
