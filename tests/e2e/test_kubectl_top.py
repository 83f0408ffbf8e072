"""`kubectl top pods|nodes` (the real kubectl) on a `kube up --runtime docker` cluster: the
API server serves metrics.k8s.io/v1beta1 from the node agents' /stats/summary, as
metrics-server would. A pod running `yes` shows at least 900m; every node is listed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest

from kube.local.container_cleanup import remove_cluster_containers
from tests.conftest import free_port
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import LocalCluster, free_port_run, wait_for

PODS = """
apiVersion: v1
kind: Pod
metadata: {name: spin, labels: {app: spin}}
spec:
  containers:
  - name: main
    image: kube.local/busybox:1
    command: [sh, -c, "yes > /dev/null"]
    resources: {requests: {cpu: 500m}, limits: {cpu: 500m}}
---
apiVersion: v1
kind: Pod
metadata: {name: idle, labels: {app: idle}}
spec:
  containers:
  - {name: main, image: kube.local/busybox:1, command: [sleep, "3600"]}
  - {name: side, image: kube.local/busybox:1, command: [sleep, "3600"]}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[LocalCluster]:
    require_docker()
    base = tmp_path_factory.mktemp("top")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    try:
        c.up("--runtime", "docker", "--nodes", "2", "--no-examples", "--name-prefix", f"t{uuid.uuid4().hex[:4]}",
             "--cluster-cidr", "10.247.0.0/18", kubelet_port=free_port_run(2))
        (base / "pods.yaml").write_text(PODS)
        c.kubectl("apply", "-f", str(base / "pods.yaml"))
        wait_for("spin and idle Running", lambda: {p["metadata"]["name"]: p.get("status", {}).get("phase")
                                                   for p in c.get_json("pods")["items"]}
                 == {"spin": "Running", "idle": "Running"}, 180)
        yield c
    finally:
        c.down()
        remove_cluster_containers(str(c.root))


def millicores(text: str) -> int:
    return int(text[:-1]) if text.endswith("m") else int(float(text) * 1000)


def test_discovery_lists_the_metrics_group(cluster: LocalCluster):
    groups = json.loads(cluster.kubectl("get", "--raw", "/apis").stdout)["groups"]
    assert "metrics.k8s.io" in [g["name"] for g in groups]
    resources = cluster.kubectl("api-resources", "--api-group", "metrics.k8s.io").stdout
    assert "NodeMetrics" in resources and "PodMetrics" in resources


def test_top_pods_shows_the_busy_pod_within_its_limit(cluster: LocalCluster):
    seen: list[str] = []

    def busy() -> bool:
        out = cluster.kubectl("top", "pods", "--no-headers", check=False)
        seen.append(out.stdout + out.stderr)
        rows = {line.split()[0]: line.split() for line in out.stdout.splitlines() if line.strip()}
        return out.returncode == 0 and "spin" in rows and millicores(rows["spin"][1]) >= 100 and "idle" in rows
    try:
        wait_for("spin at 100m or more", busy, 240, interval=3)
    except AssertionError:
        raise AssertionError(f"kubectl top pods said: {seen[-3:]}") from None
    for _ in range(3):  # the quota is a hard cap: no window ever shows more than the limit
        row = cluster.kubectl("top", "pod", "spin", "--no-headers").stdout.split()
        assert millicores(row[1]) <= 600, row
        time.sleep(2)
    out = cluster.kubectl("top", "pod", "idle", "--containers", "--no-headers").stdout
    assert sorted(line.split()[1] for line in out.splitlines()) == ["main", "side"]
    assert cluster.kubectl("top", "pods", "-l", "app=idle", "--no-headers").stdout.split()[0] == "idle"


def test_top_nodes_lists_every_node(cluster: LocalCluster):
    nodes = {n["metadata"]["name"] for n in cluster.get_json("nodes")["items"]}
    out = cluster.kubectl("top", "nodes", "--no-headers").stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert set(rows) == nodes, out
    for row in rows.values():
        assert row[1].endswith("m") and row[3].endswith("Mi")


def test_raw_metrics_objects_and_errors(cluster: LocalCluster):
    pod = json.loads(cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/spin").stdout)
    assert pod["kind"] == "PodMetrics" and pod["metadata"]["name"] == "spin"
    assert pod["window"].endswith("s") and pod["timestamp"].endswith("Z")
    assert pod["containers"][0]["usage"]["cpu"].endswith("n") and pod["containers"][0]["usage"]["memory"].endswith("Ki")
    missing = cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", check=False)
    assert missing.returncode != 0 and "not found" in missing.stderr
    bad = cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=a%20b%20c", check=False)
    assert bad.returncode != 0 and "unable to parse" in bad.stderr
    started = time.monotonic()
    assert json.loads(cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes").stdout)["items"]
    assert time.monotonic() - started < 60
