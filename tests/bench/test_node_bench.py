"""`kube bench node` and `kube bench node-scale` at small sizes: they start their own API
server and node agent, report figures that add up, and leave no container behind."""

from __future__ import annotations

import json
import subprocess
import sys

import docker

from kube.node.container_config import L_MANAGED, L_NODE
from tests.fixtures.requirements import require_docker


def bench(*argv: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "kube", "bench", *argv, "--json"], capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_node_scale_small_cluster_reports_every_pod_running() -> None:
    result = bench("node-scale", "--nodes", "20", "--pods", "100", "--concurrency", "8")
    assert result["nodes"] == 20 and result["pods"] == 100
    assert 0 < result["all_running_seconds"] < 120
    assert result["create_seconds"] <= result["all_running_seconds"]
    assert 0 < result["apiserver_rss_mib"] <= result["apiserver_peak_rss_mib"] < 4096
    assert result["under_4gib"] is True and result["agent_rss_mib"] > 0


def test_node_startup_latency_on_docker_cleans_up() -> None:
    require_docker()
    result = bench("node", "--pods", "4", "--rate", "4")
    assert result["pods"] == 4
    assert 0 < result["min_seconds"] <= result["p50_seconds"] <= result["p99_seconds"] <= result["max_seconds"] < 30
    first = result["cold_start"]["time_to_first_pod_s"]  # the first pod apart, the rest after it
    assert result["min_seconds"] <= first <= result["max_seconds"]
    assert result["min_seconds"] <= result["steady_p50_seconds"] <= result["steady_p99_seconds"] <= result["max_seconds"]
    client = docker.from_env()
    try:
        left = [c.name for c in client.containers.list(all=True, filters={"label": f"{L_MANAGED}=true"})
                if "bench-docker-0" in c.name or c.labels.get(L_NODE) == "bench-docker-0"]
    finally:
        client.close()
    assert not left
