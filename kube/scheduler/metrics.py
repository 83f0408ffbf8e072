"""The scheduler's Prometheus metrics, under kube-scheduler's names, on the process's registry.

scheduler_schedule_attempts_total{result,profile}, the attempt latency histogram
scheduler_scheduling_attempt_duration_seconds{result,profile} (kube-scheduler's exponential
buckets: 1ms doubling, 15 of them) and scheduler_pending_pods{queue}, read from the queue when
scraped so the scheduling loop pays nothing for it. Results are "scheduled", "unschedulable"
and "error", as kube-scheduler's.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from kube.component.metrics import LATENCY_BUCKETS

RESULTS = ("scheduled", "unschedulable", "error")


class SchedulerMetrics:
    def __init__(self, registry: CollectorRegistry, pending: Callable[[], dict[str, int]] | None = None) -> None:
        self.registry = registry
        self.pending = pending or (lambda: {})
        self._attempts = Counter("scheduler_schedule_attempts_total",
                                 "Number of attempts to schedule pods, by the result.",
                                 ["result", "profile"], registry=registry)
        self._durations = Histogram("scheduler_scheduling_attempt_duration_seconds",
                                    "Scheduling attempt latency in seconds (scheduling algorithm + binding).",
                                    ["result", "profile"], buckets=LATENCY_BUCKETS, registry=registry)
        pending_pods = Gauge("scheduler_pending_pods", "Number of pending pods, by the queue type.",
                             ["queue"], registry=registry)
        for queue in self.pending():
            pending_pods.labels(queue=queue).set_function(lambda q=queue: self.pending().get(q, 0))
        # the labelled children, looked up once per (result, profile): observe() is on the hot path
        self._children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}

    def observe(self, result: str, profile: str, seconds: float) -> None:
        """One scheduling attempt of a pod with `profile`, its result and how long it took."""
        children = self._children.get((result, profile))
        if children is None:
            children = self._children[(result, profile)] = (
                self._attempts.labels(result=result, profile=profile),
                self._durations.labels(result=result, profile=profile))
        children[0].inc()
        children[1].observe(seconds)
