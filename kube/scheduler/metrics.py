"""The scheduler's Prometheus metrics, under kube-scheduler's names.

scheduler_schedule_attempts_total{result,profile}, the attempt latency
histogram scheduler_scheduling_attempt_duration_seconds{result,profile}
(kube-scheduler's exponential buckets: 1ms doubling, 15 of them) and
scheduler_pending_pods{queue}, read from the queue when scraped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

BUCKETS = tuple(0.001 * 2**i for i in range(15))
RESULTS = ("scheduled", "unschedulable", "error")


class _Histogram:
    __slots__ = ("counts", "total", "n")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.n = 0


class SchedulerMetrics:
    def __init__(self, pending: Callable[[], dict[str, int]] | None = None) -> None:
        self.attempts: dict[tuple[str, str], int] = {}
        self.durations: dict[tuple[str, str], _Histogram] = {}
        self.pending = pending or (lambda: {})

    def observe(self, result: str, profile: str, seconds: float) -> None:
        key = (result, profile)
        self.attempts[key] = self.attempts.get(key, 0) + 1
        h = self.durations.get(key)
        if h is None:
            h = self.durations[key] = _Histogram()
        h.counts[bisect_left(BUCKETS, seconds)] += 1
        h.total += seconds
        h.n += 1

    def render(self) -> str:
        lines = [
            "# HELP scheduler_schedule_attempts_total Number of attempts to schedule pods, by the result.",
            "# TYPE scheduler_schedule_attempts_total counter",
        ]
        for (result, profile), n in sorted(self.attempts.items()):
            lines.append(f'scheduler_schedule_attempts_total{{profile="{profile}",result="{result}"}} {n}')
        lines += [
            "# HELP scheduler_scheduling_attempt_duration_seconds Scheduling attempt latency in seconds.",
            "# TYPE scheduler_scheduling_attempt_duration_seconds histogram",
        ]
        for (result, profile), h in sorted(self.durations.items()):
            labels = f'profile="{profile}",result="{result}"'
            acc = 0
            for bound, c in zip(BUCKETS, h.counts, strict=False):
                acc += c
                lines.append(f'scheduler_scheduling_attempt_duration_seconds_bucket{{{labels},le="{bound:g}"}} {acc}')
            lines.append(f'scheduler_scheduling_attempt_duration_seconds_bucket{{{labels},le="+Inf"}} {h.n}')
            lines.append(f"scheduler_scheduling_attempt_duration_seconds_sum{{{labels}}} {h.total}")
            lines.append(f"scheduler_scheduling_attempt_duration_seconds_count{{{labels}}} {h.n}")
        lines += [
            "# HELP scheduler_pending_pods Number of pending pods, by the queue type.",
            "# TYPE scheduler_pending_pods gauge",
        ]
        for queue, n in sorted(self.pending().items()):
            lines.append(f'scheduler_pending_pods{{queue="{queue}"}} {n}')
        return "\n".join(lines) + "\n"
