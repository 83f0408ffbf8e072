"""The scheduler's /metrics as Prometheus reads it: kube-scheduler's names, labels and types, on the
registry it is given (one per process) or a private one."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from kube.component.metrics import LATENCY_BUCKETS
from kube.scheduler.metrics import SchedulerMetrics
from kube.scheduler.scheduler import Scheduler
from tests.metric_samples import sample, scrape
from tests.scheduler.objects import node, pod, schedule_all

PROFILE = "default-scheduler"


def test_attempts_durations_and_pending_parse_with_kubernetes_names() -> None:
    s = schedule_all([node("n", cpu="1")], [pod("a"), pod("b", cpu="2")])
    families = scrape(s.registry)
    assert families["scheduler_schedule_attempts"].type == "counter"
    assert families["scheduler_scheduling_attempt_duration_seconds"].type == "histogram"
    assert families["scheduler_pending_pods"].type == "gauge"
    assert sample(s.registry, "scheduler_schedule_attempts_total", result="scheduled", profile=PROFILE) == 1
    assert sample(s.registry, "scheduler_schedule_attempts_total", result="unschedulable", profile=PROFILE) == 1
    assert sample(s.registry, "scheduler_schedule_attempts_total", result="error", profile=PROFILE) is None
    assert sample(s.registry, "scheduler_pending_pods", queue="unschedulable") == 1
    assert sample(s.registry, "scheduler_pending_pods", queue="active") == 0
    assert sample(s.registry, "scheduler_pending_pods", queue="backoff") == 0
    assert sample(s.registry, "scheduler_scheduling_attempt_duration_seconds_count",
                  result="scheduled", profile=PROFILE) == 1
    bounds = {s.labels["le"] for s in families["scheduler_scheduling_attempt_duration_seconds"].samples
              if s.name.endswith("_bucket")}
    assert len(bounds) == len(LATENCY_BUCKETS) + 1 and "+Inf" in bounds and "0.001" in bounds


def test_pending_pods_is_read_when_scraped() -> None:
    s = Scheduler()
    s.on_pod_add(pod("waiting"))
    assert sample(s.registry, "scheduler_pending_pods", queue="active") == 1
    s.on_node_add(node("n"))
    s.run_until_idle()
    assert sample(s.registry, "scheduler_pending_pods", queue="active") == 0


def test_durations_land_in_their_bucket() -> None:
    registry = CollectorRegistry()
    metrics = SchedulerMetrics(registry)
    metrics.observe("scheduled", "p", 0.0015)
    metrics.observe("scheduled", "p", 0.0015)
    metrics.observe("error", "p", 0.0)
    name = "scheduler_scheduling_attempt_duration_seconds"
    assert sample(registry, f"{name}_bucket", result="scheduled", profile="p", le="0.001") == 0
    assert sample(registry, f"{name}_bucket", result="scheduled", profile="p", le="0.002") == 2
    assert sample(registry, f"{name}_sum", result="scheduled", profile="p") == 0.003
    assert sample(registry, "scheduler_schedule_attempts_total", result="error", profile="p") == 1


def test_two_schedulers_in_one_process_do_not_collide() -> None:
    shared = CollectorRegistry()
    a = schedule_all([node("n")], [pod("a")], registry=shared)
    b = schedule_all([node("n")], [pod("b")])  # its own private registry
    assert a.registry is shared and b.registry is not shared
    assert sample(shared, "scheduler_schedule_attempts_total", result="scheduled", profile=PROFILE) == 1
    assert sample(b.registry, "scheduler_schedule_attempts_total", result="scheduled", profile=PROFILE) == 1
