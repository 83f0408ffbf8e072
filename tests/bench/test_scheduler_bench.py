"""Scheduling benchmarks (pytest-benchmark) for every workload at a small size, the cold start
reported apart from the steady window, and a bad flag of `kube bench scheduler` (its `--json`
contract is tested in tests/cli/test_command_surface.py)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from kube.bench.scheduler_algorithm import run_algorithm
from kube.bench.scheduler_bench import summarize
from kube.bench.workloads import WORKLOADS

NODES, PODS = 500, 1000


@pytest.mark.parametrize("workload", WORKLOADS)
def test_schedule_workload(benchmark, workload):
    result = benchmark.pedantic(run_algorithm, args=(NODES, PODS, workload, "auto", 1), rounds=1, iterations=1)
    assert result["scheduled"] == PODS and result["unschedulable"] == 0
    benchmark.extra_info["pods_per_second"] = round(result["scheduled"] / result["elapsed"], 1)


def test_anti_affinity_workload_really_spreads():
    result = run_algorithm(50, 50, "anti-affinity", "auto", 1)
    bound = result["scheduler"].binder.bound
    assert len(set(bound.values())) == 50  # one pod of the group per node


def test_cli_rejects_bad_flags_in_one_line():
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "scheduler", "--nodes", "-3"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "--nodes" in out.stderr


def test_cold_start_is_reported_apart_from_the_steady_window():
    result = run_algorithm(NODES, PODS, "basic", "auto", 1)
    cold = result["cold_start"]
    first = cold["time_to_first_pod_s"]
    assert 0 < first <= result["elapsed"]
    assert sum(cold["phases"].values()) <= first + 1e-4 * len(cold["phases"])  # each share rounded to 0.1 ms
    assert {"queue", "prepare", "bind_columns", "kernel", "first_cycle"} <= cold["phases"].keys()
    assert cold["phases"]["queue"] > 0 and cold["setup_s"]["node_table"] > 0
    assert result["cold_attempts"] == 1  # basic: the first attempt binds the first pod
    assert result["timeline"][0] == (0.0, 0) and (result["first_pod_s"], 1) in result["timeline"]


def _args(**kw) -> argparse.Namespace:
    return argparse.Namespace(workload="basic", mode="algorithm", nodes=10, pods=101, seed=1, store="sqlite", **kw)


def test_summarize_computes_throughput_over_the_steady_window_only():
    cold = {"time_to_first_pod_s": 1.0, "phases": {"queue": 0.9}, "other_s": 0.1}
    raw = {"elapsed": 3.0, "first_pod_s": 1.0, "scheduled": 101, "unschedulable": 0, "attempts": 101,
           "cold_attempts": 1, "latencies": [0.5] + [0.001] * 99 + [0.002], "feasible_total": 1010,
           "cpu_seconds": 2.5, "first_pod_cpu_s": 0.5, "engine": "python", "cold_start": cold}
    out = summarize(_args(), raw)
    assert out["pods_per_second"] == 50.0  # the 100 pods after the first, in the 2 s after it
    assert out["pods_per_second_including_cold_start"] == pytest.approx(101 / 3.0, abs=0.05)
    assert out["pods_per_cpu_second"] == 50.0  # 100 pods over the 2 CPU-seconds after the first pod
    assert out["steady_s"] == 2.0 and out["duration_s"] == 3.0
    assert out["p50_ms"] == 1.0 and out["p99_ms"] == 2.0  # the cold 500 ms attempt is left out
    assert out["cold_start"] == {**cold, "cpu_s": 0.5}


def test_summarize_of_a_run_that_bound_nothing():
    raw = {"elapsed": 1.0, "first_pod_s": None, "scheduled": 0, "unschedulable": 5, "attempts": 5,
           "cold_attempts": 0, "latencies": [0.001] * 5, "feasible_total": 0, "cpu_seconds": 1.0,
           "first_pod_cpu_s": 0.0, "engine": "python",
           "cold_start": {"time_to_first_pod_s": None, "phases": {}, "other_s": None}}
    out = summarize(_args(), raw)
    assert out["pods_per_second"] == 0.0 and out["pods_per_cpu_second"] == 0.0 and out["steady_s"] == 0.0
    assert out["pods_per_second_including_cold_start"] == 0.0


def test_text_output_prints_the_cold_start_and_both_rates():
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "scheduler", "--nodes", "20", "--pods", "50",
                          "--no-progress"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "first pod bound after" in out.stdout and "queue" in out.stdout
    assert "pods/s steady" in out.stdout and "including the cold start" in out.stdout
