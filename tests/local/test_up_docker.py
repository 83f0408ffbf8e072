"""`kube up` with three docker minions: real containers, spread over the zones, and
surviving the loss of a minion (short node-monitor timeouts, a generous test deadline)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from kube.local import processes
from kube.local.container_cleanup import MANAGED_LABEL, belongs_to, remove_cluster_containers
from tests.conftest import free_port
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import LocalCluster, free_port_run, ready_pods, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.docker]

GRACE_SECONDS = 6  # --node-monitor-grace-period
EVICTION_SECONDS = 3  # default toleration of the unreachable taint


def cluster_containers(cluster: LocalCluster) -> list:
    import docker

    client = docker.from_env()
    try:
        return [c for c in client.containers.list(all=True, filters={"label": MANAGED_LABEL})
                if belongs_to(c.labels, str(cluster.root))]
    finally:
        client.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    require_docker()
    base = tmp_path_factory.mktemp("up-docker")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    # own node names and pod range: a `make up` cluster may be running on this Docker host
    c.prefix = f"t{uuid.uuid4().hex[:4]}"  # type: ignore[attr-defined]
    started = time.monotonic()
    try:
        c.first_up = c.up(  # type: ignore[attr-defined]
            "--runtime", "docker", "--name-prefix", c.prefix,  # type: ignore[attr-defined]
            "--cluster-cidr", "10.244.192.0/18", "--node-monitor-grace-period", str(GRACE_SECONDS),
            "--pod-eviction-timeout", str(EVICTION_SECONDS), kubelet_port=free_port_run(3))
        print(f"kube up (docker) took {time.monotonic() - started:.1f}s")
        yield c
    finally:
        c.down()
        remove_cluster_containers(str(c.root))


def test_three_docker_minions_run_the_example_one_per_zone(cluster: LocalCluster) -> None:
    out = cluster.first_up.stdout  # type: ignore[attr-defined]
    assert "minions instead" not in out, out
    assert "web: 3/3 ready (rolled out)" in out
    nodes = cluster.get_json("nodes")["items"]
    assert sorted(n["metadata"]["name"] for n in nodes) == [f"{cluster.prefix}-{z}" for z in "abc"]  # type: ignore[attr-defined]
    assert all(n["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("docker://") for n in nodes)
    pods = ready_pods(cluster, "app=web")
    assert sorted(p["spec"]["nodeName"][-1] for p in pods) == ["a", "b", "c"]
    running = {c.labels.get("io.kube.pod.name") for c in cluster_containers(cluster) if c.status == "running"}
    assert {p["metadata"]["name"] for p in pods} <= running


def test_kubectl_logs_reads_a_web_pod_through_its_minion(cluster: LocalCluster) -> None:
    pod = ready_pods(cluster, "app=web")[0]["metadata"]["name"]
    logs = cluster.kubectl("logs", pod, "--tail=50").stdout
    assert f"{pod} serving on :8080" in logs or "GET /" in logs  # the banner, or the probes' requests


def test_a_pod_reads_its_service_account_token_and_it_authenticates(cluster: LocalCluster) -> None:
    """The projected API access volume, read inside a web pod; its token is a ServiceAccount's until the pod goes."""
    import ssl
    import urllib.error
    import urllib.request

    mount = "/var/run/secrets/kubernetes.io/serviceaccount"
    pod = next(p["metadata"]["name"] for p in ready_pods(cluster, "app=web")  # not minion a: the next test stops it
               if not p["spec"]["nodeName"].endswith("-a"))
    token = cluster.kubectl("exec", pod, "--", "cat", f"{mount}/token").stdout
    assert cluster.kubectl("exec", pod, "--", "cat", f"{mount}/namespace").stdout == "default"
    ca = (cluster.dir.pki / "ca.crt").read_text()
    assert cluster.kubectl("exec", pod, "--", "cat", f"{mount}/ca.crt").stdout == ca

    def status(bearer: str) -> int:
        req = urllib.request.Request(f"https://127.0.0.1:{cluster.port}/api/v1/namespaces/default/pods",
                                     headers={"Authorization": f"Bearer {bearer}"})
        try:
            with urllib.request.urlopen(req, context=ssl.create_default_context(cadata=ca), timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert status(token) in (200, 403) and status("not-a-token") == 401  # authenticated (what it may do is RBAC's)
    cluster.kubectl("delete", "pod", pod, "--wait=true", timeout=120)
    wait_for("the deleted pod's token refused", lambda: status(token) == 401, timeout=60)


def test_losing_a_minion_brings_its_pods_back_on_the_others(cluster: LocalCluster) -> None:
    lost = f"{cluster.prefix}-a"  # type: ignore[attr-defined]
    before = ready_pods(cluster, "app=web")
    assert any(p["spec"]["nodeName"] == lost for p in before)
    started = time.monotonic()
    assert processes.stop(cluster.dir, lost)
    remove_cluster_containers(str(cluster.root / "nodes" / lost))

    def replaced() -> list | None:
        pods = [p for p in ready_pods(cluster, "app=web") if p["spec"]["nodeName"] != lost]
        return pods if len(pods) == 3 else None

    pods = wait_for("3 ready web pods on the remaining minions", replaced, timeout=120, interval=1)
    elapsed = time.monotonic() - started
    print(f"node loss -> 3 ready replicas elsewhere in {elapsed:.1f}s "
          f"(grace {GRACE_SECONDS}s + toleration {EVICTION_SECONDS}s)")
    assert {p["spec"]["nodeName"] for p in pods} <= {f"{cluster.prefix}-b", f"{cluster.prefix}-c"}  # type: ignore[attr-defined]
    node = cluster.get_json(f"node/{lost}")
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "Unknown"


def test_down_removes_every_container_it_made(cluster: LocalCluster) -> None:
    assert cluster_containers(cluster)
    cluster.down()
    assert cluster.running_components() == []
    assert cluster_containers(cluster) == []
