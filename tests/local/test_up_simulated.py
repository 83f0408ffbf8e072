"""`kube up` end to end with simulated minions, driven by the real kubectl."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kube.local import processes
from tests.conftest import free_port
from tests.local.local_cluster import LocalCluster, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    base = tmp_path_factory.mktemp("up-simulated")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    started = time.monotonic()
    c.first_up = c.up("--runtime", "simulated")  # type: ignore[attr-defined]
    print(f"kube up (simulated) took {time.monotonic() - started:.1f}s")
    try:
        yield c
    finally:
        if c.running_components():
            c.down()


def test_up_applies_the_example_and_shows_its_pods_over_the_three_zones(cluster: LocalCluster) -> None:
    out = cluster.first_up.stdout  # type: ignore[attr-defined]
    assert "deployment.apps/web created" in out
    assert "web: 3/3 ready (rolled out)" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("web-")]
    assert len(rows) == 3
    assert sorted(r[4] for r in rows) == ["a", "b", "c"]  # ZONE column: one replica per zone
    assert f"export KUBECONFIG={cluster.kubeconfig}" in out


def test_up_twice_is_harmless(cluster: LocalCluster) -> None:
    pids = {name: processes.running(cluster.dir, name) for name in cluster.running_components()}
    out = cluster.up("--runtime", "simulated").stdout
    assert "deployment.apps/web unchanged" in out and "service/web unchanged" in out
    assert "started" not in out
    assert {name: processes.running(cluster.dir, name) for name in pids} == pids


def test_kube_and_kubectl_see_the_cluster(cluster: LocalCluster) -> None:
    ns = cluster.kube("get", "ns").stdout
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= {
        line.split()[0] for line in ns.splitlines()[1:]}
    nodes = cluster.get_json("nodes")["items"]
    zones = sorted(n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes)
    assert zones == ["a", "b", "c"]


def test_rollout_history_undo_scale_and_cascading_delete(cluster: LocalCluster) -> None:
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=120s")
    cluster.kubectl("set", "image", "deployment/web", "web=kube.local/busybox:2")
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=120s")
    history = cluster.kubectl("rollout", "history", "deployment/web").stdout
    assert [line.split()[0] for line in history.splitlines() if line[:1].isdigit()] == ["1", "2"]

    cluster.kubectl("rollout", "undo", "deployment/web")
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=120s")
    deploy = cluster.get_json("deployment/web")
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "kube.local/busybox:1"
    assert deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"

    cluster.kubectl("scale", "deployment/web", "--replicas=5")
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=120s")
    wait_for("5 running web pods", lambda: len([
        p for p in cluster.get_json("pods", "-l", "app=web")["items"]
        if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]) == 5, 60)

    cluster.kubectl("delete", "deployment", "web", "--timeout=120s")
    wait_for("the web ReplicaSets and pods to go", lambda: not cluster.get_json("rs", "-l", "app=web")["items"]
             and not cluster.get_json("pods", "-l", "app=web")["items"], 60)


def test_delete_namespace_completes(cluster: LocalCluster, tmp_path: Path) -> None:
    manifest = tmp_path / "scratch.yaml"
    manifest.write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "scratch"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "sleeper", "namespace": "scratch"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "sleeper"}},
                  "template": {"metadata": {"labels": {"app": "sleeper"}},
                               "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1",
                                                        "command": ["sleep", "3600"]}]}}}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "scratch"},
         "data": {"k": "v"}},
    ]))
    cluster.kubectl("apply", "-f", str(manifest))
    cluster.kubectl("-n", "scratch", "rollout", "status", "deployment/sleeper", "--timeout=120s")
    cluster.kubectl("delete", "ns", "scratch", "--timeout=120s")
    assert cluster.kubectl("get", "ns", "scratch", check=False).returncode != 0
    assert not cluster.get_json("pods", "-n", "scratch")["items"]


def test_down_stops_everything_and_keeps_the_data(cluster: LocalCluster) -> None:
    assert set(cluster.running_components()) >= {"apiserver", "scheduler", "controller-manager", "nodes"}
    out = cluster.down().stdout
    assert "apiserver" in out and "stopped" in out
    assert cluster.running_components() == []
    assert (cluster.root / "state.db").exists() and cluster.kubeconfig.exists()
    assert "no local cluster" not in cluster.down().stdout  # a second down is harmless too


@pytest.mark.parametrize("flags, message", [
    (["--nodes", "0"], "--nodes must be at least 1"),
    (["--port", "70000"], "not a usable TCP port"),
    (["--name-prefix", "Bad_"], "--name-prefix: invalid node name"),
])
def test_bad_flags_give_one_clear_line(tmp_path: Path, flags: list[str], message: str) -> None:
    c = LocalCluster(tmp_path / "cluster", free_port(), tmp_path / "cache")
    proc = c.kube("up", "--dir", str(c.root), *flags, check=False)
    assert proc.returncode != 0
    assert proc.stderr.startswith("error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not c.root.exists()  # refused before anything was made


def test_a_component_that_cannot_start_is_named_with_its_reason(tmp_path: Path) -> None:
    c = LocalCluster(tmp_path / "cluster", free_port(), tmp_path / "cache")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        proc = c.kube("up", "--dir", str(c.root), "--port", str(c.port), "--runtime", "simulated",
                      "--no-examples", "--health-port", str(taken), check=False)
    try:
        assert proc.returncode != 0
        assert "controller-manager exited at start" in proc.stderr
        assert "address already in use" in proc.stderr
    finally:
        c.down()
