"""Scheduling benchmarks (pytest-benchmark) for every workload at a small size, and a bad
flag of `kube bench scheduler` (its `--json` contract is tested in tests/cli/test_command_surface.py)."""

from __future__ import annotations

import subprocess
import sys

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


def test_cli_rejects_bad_flags_in_one_line():
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "scheduler", "--nodes", "-3"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "--nodes" in out.stderr
