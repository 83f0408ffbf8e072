"""`kube bench scheduler --mode algorithm`: the real scheduler, in memory.

Nodes and pods enter through the same informer callbacks the API path uses;
pods go through the real queue, framework (kernel) and assume cache, and
bind to an in-memory binder that confirms at once. The clock runs from the
first pod handed to the scheduler to the last scheduling attempt; its cold start
(to the first pod bound) is timed by phase (scheduler_cold_start.py), and the
node table, filled before the clock, is reported as setup.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kube.bench.cold_start import ColdStart
from kube.bench.scheduler_cold_start import PHASES, time_scheduler
from kube.bench.workloads import cluster, pending_pods
from kube.component.startup_gc import collector_paused
from kube.scheduler.config import Profile
from kube.scheduler.scheduler import Scheduler


def run_algorithm(nodes: int, pods: int, workload: str, engine: str, seed: int,
                  progress: Callable[[int], None] | None = None,
                  profiles: list[Profile] | None = None) -> dict:
    sched = Scheduler(profiles, engine=engine, seed=seed)
    node_list = list(cluster(nodes))
    pod_list = list(pending_pods(workload, nodes, pods))
    latencies: list[float] = []
    feasible_total = 0
    timeline: list[tuple[float, int]] = []
    scheduled = cold_attempts = 0

    def attempt(_pod, outcome, elapsed: float) -> None:
        nonlocal feasible_total, scheduled, cold_attempts
        latencies.append(elapsed)
        feasible_total += outcome.feasible
        if outcome.slot >= 0:
            scheduled += 1
            if cold.cold:  # the in-memory binder has bound it already
                cold.first_pod_done(time.perf_counter())
                cold_attempts = len(latencies)
                timeline.append((cold.first_pod, 1))

    sched.on_attempt = attempt
    with collector_paused():  # the nodes and pods handed over, as `kube scheduler` for its first lists
        setup = time.perf_counter()
        for node in node_list:
            sched.on_node_add(node)
        start = time.perf_counter()
        setup = start - setup
        cpu_start = time.process_time()
        cold = ColdStart(start, PHASES)
        time_scheduler(cold, sched, callbacks=False)
        for pod in pod_list:
            sched.on_pod_add(pod)
    cold.interval("queue", start, time.perf_counter())
    timeline.append((0.0, 0))  # the clock starts as the pods are handed over, so the plot's average is pods/s
    timeline.append((time.perf_counter() - start, 0))
    attempts = 0
    while sched.schedule_one() is not None:
        attempts += 1
        if attempts & 255 == 0:
            timeline.append((time.perf_counter() - start, scheduled))
            if progress is not None:
                progress(attempts)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    cold.close()
    timeline.append((elapsed, scheduled))
    return {
        "cold_start": {**cold.report(), "setup_s": {"node_table": round(setup, 4)}},
        "cold_attempts": cold_attempts,
        "first_pod_s": cold.first_pod,
        "first_pod_cpu_s": cold.first_pod_cpu - cpu_start if cold.first_pod is not None else 0.0,
        "elapsed": elapsed,
        "cpu_seconds": cpu,
        "latencies": latencies,
        "scheduled": scheduled,
        "unschedulable": pods - scheduled,
        "attempts": len(latencies),
        "feasible_total": feasible_total,
        "timeline": timeline,
        "engine": sched.engine,
        "scheduler": sched,
    }
