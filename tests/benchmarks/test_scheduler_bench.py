"""Scheduling benchmarks (pytest-benchmark) for every workload at a small size,
plus the `kube bench scheduler --json` contract."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

from kube.bench.scheduler_algorithm import run_algorithm
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


def test_cli_json_is_one_object_with_the_contract_fields():
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "scheduler", "--nodes", "50", "--pods", "100",
                          "--workload", "spread", "--engine", "python", "--json", "--no-progress"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = orjson.loads(out.stdout)
    for key in ("pods_per_second", "p50_ms", "p99_ms", "scheduled", "unschedulable", "nodes", "pods", "workload",
                "engine", "mode", "commit", "python", "cython", "cpu"):
        assert key in doc, key
    assert (doc["nodes"], doc["pods"], doc["workload"], doc["engine"], doc["mode"]) == (
        50, 100, "spread", "python", "algorithm")
    assert doc["scheduled"] + doc["unschedulable"] == 100 and doc["pods_per_second"] > 0


def test_cli_rejects_bad_flags_in_one_line():
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "scheduler", "--nodes", "-3"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "--nodes" in out.stderr
