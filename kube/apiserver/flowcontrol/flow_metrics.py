"""The apiserver_flowcontrol_* series, with Kubernetes' names and labels, on the server's registry.

A request touches several series of one (priority level, flow schema); their labelled
children are bound once per pair (`series`) so the hot path is attribute calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

WAIT_BUCKETS = (0.0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0)  # Kubernetes'
PAIR = ("priority_level", "flow_schema")


@dataclass(frozen=True, slots=True)
class Series:
    """The children of one (priority level, flow schema)."""

    inqueue: Gauge
    executing: Gauge
    dispatched: Counter
    waited_executed: Histogram
    waited_rejected: Histogram
    level: str
    schema: str


class FlowMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._dispatched = Counter("apiserver_flowcontrol_dispatched_requests", "Requests released for "
                                   "execution, by priority level and flow schema.", PAIR, registry=registry)
        self._rejected = Counter("apiserver_flowcontrol_rejected_requests", "Requests rejected, by priority "
                                 "level, flow schema and reason.", (*PAIR, "reason"), registry=registry)
        self._inqueue = Gauge("apiserver_flowcontrol_current_inqueue_requests", "Requests waiting in a queue.",
                              PAIR, registry=registry)
        self._executing = Gauge("apiserver_flowcontrol_current_executing_requests", "Requests executing.",
                                PAIR, registry=registry)
        self._wait = Histogram("apiserver_flowcontrol_request_wait_duration_seconds", "Time requests spent "
                               "waiting in their queue.", (*PAIR, "execute"), buckets=WAIT_BUCKETS,
                               registry=registry)
        self._nominal = Gauge("apiserver_flowcontrol_nominal_limit_seats", "Nominal number of execution seats "
                              "of each priority level.", ("priority_level",), registry=registry)
        self._series: dict[tuple[str, str], Series] = {}

    def series(self, level: str, schema: str) -> Series:
        found = self._series.get((level, schema))
        if found is None:
            found = self._series[(level, schema)] = Series(
                self._inqueue.labels(level, schema), self._executing.labels(level, schema),
                self._dispatched.labels(level, schema), self._wait.labels(level, schema, "true"),
                self._wait.labels(level, schema, "false"), level, schema)
        return found

    def rejected(self, series: Series, reason: str) -> None:
        self._rejected.labels(series.level, series.schema, reason).inc()

    def nominal_seats(self, limits: dict[str, int]) -> None:
        """The current configuration's levels (a removed level's series goes)."""
        self._nominal.clear()
        for level, seats in limits.items():
            self._nominal.labels(level).set(seats)
