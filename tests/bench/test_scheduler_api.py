"""`kube bench scheduler --mode api` end to end at a small size: a real API server child
process (SQLite, or a real etcd when the binary is there), every pod bound through pods/binding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from kube.bench.scheduler_api import process_cpu_seconds
from tests.fixtures.requirements import etcd_binary


def bench(*argv: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "scheduler", "--mode", "api", "--json",
                          "--no-progress", *argv], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    return orjson.loads(out.stdout)


def check(doc: dict, nodes: int, pods: int, store: str) -> None:
    assert (doc["mode"], doc["store"], doc["nodes"], doc["pods"]) == ("api", store, nodes, pods)
    assert doc["scheduled"] == pods and doc["unschedulable"] == 0
    assert doc["attempts"] >= pods
    assert 0 < doc["decided_s"] <= doc["duration_s"]  # binding is acknowledged after the decision
    assert doc["pods_per_second_including_cold_start"] == pytest.approx(pods / doc["duration_s"], rel=0.01)
    cold = doc["cold_start"]  # to the first binding acknowledged; the rates are over the steady rest
    assert 0 < cold["time_to_first_pod_s"] <= doc["duration_s"]
    assert doc["steady_s"] == pytest.approx(doc["duration_s"] - cold["time_to_first_pod_s"], abs=2e-4)
    assert doc["pods_per_second"] == pytest.approx((pods - 1) / doc["steady_s"], rel=0.01)
    assert sum(cold["phases"].values()) <= cold["time_to_first_pod_s"] + 1e-4 * len(cold["phases"])
    assert {"informer_list", "node_table", "queue", "kernel", "bind_request"} <= cold["phases"].keys()
    assert doc["server_cpu_seconds"] > 0  # the API server worked for it


def test_sqlite_binds_every_pod_and_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "api.png"
    doc = bench("--nodes", "30", "--pods", "120", "--workload", "anti-affinity", "--plot", str(png))
    check(doc, 30, 120, "sqlite")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_unschedulable_pods_end_the_run() -> None:
    # 4 CPU per node / 100m per pod = 40 pods per node, so 2 nodes hold 80 of 100 pods; the clock stops
    # when the other 20 are known unschedulable instead of waiting for ever
    doc = subprocess.run([sys.executable, "-m", "kube", "bench", "scheduler", "--mode", "api", "--json",
                          "--no-progress", "--nodes", "2", "--pods", "100"], capture_output=True, text=True,
                         timeout=240)
    assert doc.returncode == 0, doc.stderr
    out = orjson.loads(doc.stdout)
    assert out["scheduled"] == 80 and out["unschedulable"] == 20


def test_etcd_binds_every_pod() -> None:
    etcd_binary()  # fail in CI, skip locally when etcd is missing
    doc = bench("--nodes", "20", "--pods", "60", "--store", "etcd")
    check(doc, 20, 60, "etcd")


def test_process_cpu_seconds_reads_proc() -> None:
    import os

    assert process_cpu_seconds([os.getpid()]) > 0
    assert process_cpu_seconds([2**22 + 12345]) == 0.0  # no such process: nothing, not an error
