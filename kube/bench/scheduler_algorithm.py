"""`kube bench scheduler --mode algorithm`: the real scheduler, in memory.

Nodes and pods enter through the same informer callbacks the API path uses;
pods go through the real queue, framework (kernel) and assume cache, and
bind to an in-memory binder that confirms at once. The clock runs from the
first pod handed to the scheduler to the last scheduling attempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kube.bench.workloads import cluster, pending_pods
from kube.scheduler.config import Profile
from kube.scheduler.scheduler import Scheduler


def run_algorithm(nodes: int, pods: int, workload: str, engine: str, seed: int,
                  progress: Callable[[int], None] | None = None,
                  profiles: list[Profile] | None = None) -> dict:
    sched = Scheduler(profiles, engine=engine, seed=seed)
    for node in cluster(nodes):
        sched.on_node_add(node)
    pod_list = list(pending_pods(workload, nodes, pods))
    latencies: list[float] = []
    feasible_total = 0
    timeline: list[tuple[float, int]] = []
    scheduled = 0

    def attempt(_pod, outcome, elapsed: float) -> None:
        nonlocal feasible_total, scheduled
        latencies.append(elapsed)
        feasible_total += outcome.feasible
        if outcome.slot >= 0:
            scheduled += 1

    sched.on_attempt = attempt
    start = time.perf_counter()
    cpu_start = time.process_time()
    for pod in pod_list:
        sched.on_pod_add(pod)
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
    timeline.append((elapsed, scheduled))
    return {
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
