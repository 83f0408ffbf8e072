"""`kube bench job` end to end at a small size (the recorded figure, 1,000 completions at
parallelism 100, is in docs/benchmarks.md with its command): every completion is counted
once, nothing fails, and the JSON carries what the docs report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def test_kube_bench_job_reports_a_completed_job() -> None:
    proc = subprocess.run([sys.executable, "-m", "kube", "bench", "job", "--completions", "20", "--parallelism",
                           "5", "--nodes", "2", "--json"], capture_output=True, text=True, timeout=240)
    assert proc.stdout.strip(), proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (result["completions"], result["succeeded"], result["failed"]) == (20, 20, 0)
    assert result["seconds"] > 0 and result["pods_per_second"] > 0 and 0 <= result["mean_active"] <= 5
    assert set(result["cpu_seconds"]) == {"apiserver", "node", "scheduler", "controller-manager"}
    assert result["commit"]
    cold = result["cold_start"]  # create -> first completion, apart from the rate after it
    assert 0 < cold["time_to_first_pod_s"] <= result["seconds"]
    assert sum(cold["phases"].values()) == pytest.approx(cold["time_to_first_pod_s"], abs=0.02)
    assert result["steady_pods_per_second"] >= 0
    # the exit code says whether the target was met; a small run on a busy machine may not be
    assert proc.returncode == (0 if result["meets_target"] else 1)


def test_kube_bench_job_refuses_nonsense() -> None:
    proc = subprocess.run([sys.executable, "-m", "kube", "bench", "job", "--completions", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "at least 1" in proc.stderr and "Traceback" not in proc.stderr
