"""`kube bench density --store etcd --etcd-members 3` at a tiny size: three real etcd
members started on loopback, the run completes on them, and the JSON says how many."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.fixtures.requirements import etcd_binary


def test_density_on_three_etcd_members() -> None:
    etcd_binary()  # fail in CI, skip locally when etcd is missing
    proc = subprocess.run([sys.executable, "-m", "kube", "bench", "density", "--store", "etcd", "--etcd-members", "3",
                           "--nodes", "5", "--pods", "10", "--pods-per-deployment", "5", "--namespaces", "1",
                           "--duration", "1", "--clients", "1", "--json"], capture_output=True, text=True, timeout=300)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["etcd_members"] == 3 and r["config"]["store"] == "etcd"
    assert r["setup"]["nodes_ready"] == 5 and r["pod_startup_seconds"]["count"] >= 10
    assert r["store_bytes"] > 0  # the members' bbolt files, all three
    assert proc.returncode == (1 if any(v["pass"] is False for v in r["slo"]) else 0)
