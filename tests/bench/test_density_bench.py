"""`kube bench density` end to end at the issue's reduced size, 1,000 nodes and 10,000 pods
(about 2.5 minutes here; the recorded runs are in docs/benchmarks.md with their commands):
the run completes, every figure is in the JSON and each SLO verdict was computed. No timing
is asserted: this machine is shared and busy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FIGURES = {"config", "setup", "density", "pod_startup_seconds", "latency", "latency_pod_startup_seconds", "pipeline_seconds", "load", "teardown",
           "api_latency", "processes", "store_bytes", "slo", "commit", "apiserver_gc_pauses"}
SLOS = ["pod startup p99", "mutating API calls p99", "single-object reads p99", "namespace-scoped lists p99",
        "cluster-scoped lists p99"]


@pytest.mark.timeout(660)  # a generous bound on a ~2.5-minute run, not a timing claim
def test_kube_bench_density_reports_every_figure_and_verdict() -> None:
    proc = subprocess.run([sys.executable, "-m", "kube", "bench", "density", "--nodes", "1000", "--pods", "10000",
                           "--pods-per-deployment", "100", "--namespaces", "10", "--qps", "40", "--duration", "5",
                           "--clients", "2", "--latency-pods", "20", "--latency-qps", "10", "--json"],
                          capture_output=True, text=True, timeout=600)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert FIGURES <= set(r)
    assert r["setup"]["nodes_ready"] == 1000 and r["setup"]["cold_start_seconds"] > 0
    assert r["density"]["deployments"] == 100 and r["density"]["pods_per_second"] > 0
    assert r["pod_startup_seconds"]["count"] >= 10000
    assert {"p50", "p90", "p99"} <= set(r["pod_startup_seconds"]) and r["pipeline_seconds"]["count"] == 100
    assert r["latency"]["pods"] == 20 and r["latency_pod_startup_seconds"]["count"] == 20
    assert r["slo"][0]["worst"] == "latency pods"  # the startup SLO judges them, as ClusterLoader2
    assert r["load"]["scaled"] >= 1 and r["load"]["rolling_updates"] == 1 and r["load"]["deleted"] >= 1
    server = r["api_latency"]["server"]["all"]
    assert server["create deployments"]["count"] >= 100 and server["create pods"]["count"] >= 10000
    assert {"get deployments resource", "list pods namespace", "list nodes cluster"} <= set(r["api_latency"]["client"])
    assert set(r["processes"]) == {"apiserver", "node", "scheduler", "controller-manager"}
    assert all(p["peak_rss_mib"] > 0 for p in r["processes"].values()) and r["store_bytes"] > 0
    assert r["apiserver_gc_pauses"]["generation 0"]["count"] > 0  # the collector ran, and was timed
    assert [v["slo"] for v in r["slo"]] == SLOS
    assert all(isinstance(v["pass"], bool) and v["p99_seconds"] is not None for v in r["slo"])
    assert proc.returncode == (1 if any(not v["pass"] for v in r["slo"]) else 0)


def test_kube_bench_density_refuses_nonsense() -> None:
    for flags in (["--qps", "0"], ["--nodes", "0"], ["--store", "mysql"], ["--latency-pods", "-1"]):
        proc = subprocess.run([sys.executable, "-m", "kube", "bench", "density", *flags],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, (flags, proc.stderr)
        assert ("--qps" in proc.stderr) or ("invalid" in proc.stderr) or ("must be" in proc.stderr) \
            or ("--latency-pods" in proc.stderr)
