"""The cluster survives its API server being SIGKILLed and started again (issue 10, finding 1).

`kube up --runtime simulated` starts the API server (SQLite store), the scheduler, the
controller manager and a process of simulated nodes, each its own process. The API
server is killed mid-watch and `kube up` run again, which starts it (and only it) on the
same store and port. Then a new Deployment must roll out within 30 s (a ReplicaSet, pods
scheduled, started and Ready on the simulated nodes), and a deleted pod must be replaced:
every component's informers resumed, none of them died or went deaf.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator

import pytest

from kube.local import processes
from tests.conftest import free_port
from tests.local.local_cluster import LocalCluster, ready_pods, wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.slow]
COMPONENTS = ("apiserver", "scheduler", "controller-manager", "nodes")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    base = tmp_path_factory.mktemp("chaos-apiserver")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    c.up("--runtime", "simulated", "--no-examples", "--nodes", "3")
    try:
        yield c
    finally:
        if c.running_components():
            c.down()


def rolled_out(cluster: LocalCluster, name: str, replicas: int) -> bool:
    pods = [p for p in ready_pods(cluster, f"app={name}") if p["status"].get("phase") == "Running"
            and p["spec"].get("nodeName")]
    return len(pods) == replicas


def sigkill_apiserver(cluster: LocalCluster) -> int:
    pid = processes.running(cluster.dir, "apiserver")
    assert pid, cluster.logs_tail()
    os.kill(pid, signal.SIGKILL)
    wait_for("the API server to die", lambda: not processes.alive(pid), 10, 0.05)
    return pid


@pytest.mark.timeout(600)
def test_a_new_deployment_rolls_out_within_30s_after_the_api_server_is_killed_and_restarted(
        cluster: LocalCluster) -> None:
    wait_for("3 Ready nodes", lambda: len([n for n in cluster.get_json("nodes")["items"] if any(
        c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))]) == 3, 120)
    cluster.kubectl("create", "deployment", "before", "--image=kube.local/busybox:1", "--replicas=2")
    wait_for("deployment 'before' running", lambda: rolled_out(cluster, "before", 2), 120)
    pids = {name: processes.running(cluster.dir, name) for name in COMPONENTS}
    assert all(pids.values()), pids
    time.sleep(1.0)  # every informer is inside a watch now

    killed = sigkill_apiserver(cluster)
    time.sleep(3.0)  # the components see their watches break and retry against nothing
    out = cluster.up("--runtime", "simulated", "--no-examples", "--nodes", "3").stdout
    assert "apiserver" in out and "started" in out
    restarted = processes.running(cluster.dir, "apiserver")
    assert restarted and restarted != killed
    for name in ("scheduler", "controller-manager", "nodes"):  # still the same processes
        assert processes.running(cluster.dir, name) == pids[name], f"{name} restarted:\n{cluster.logs_tail()}"

    started = time.monotonic()
    cluster.kubectl("create", "deployment", "after", "--image=kube.local/busybox:1", "--replicas=3")
    try:
        wait_for("deployment 'after' rolled out", lambda: rolled_out(cluster, "after", 3), 30, 0.25)
    except AssertionError:
        raise AssertionError(f"not rolled out 30 s after the restart:\n{cluster.logs_tail(40)}") from None
    elapsed = time.monotonic() - started
    print(f"rolled out {elapsed:.1f}s after the API server came back")

    # a deleted pod goes and is replaced: deletes are seen, new pods scheduled and started
    victim = ready_pods(cluster, "app=before")[0]["metadata"]["name"]
    cluster.kubectl("delete", "pod", victim, "--wait=false")
    wait_for("'before' back to 2 running pods without the deleted one", lambda: rolled_out(cluster, "before", 2)
             and victim not in {p["metadata"]["name"] for p in ready_pods(cluster, "app=before")}, 60, 0.25)

    deployment = json.loads(cluster.kubectl("get", "deployment", "after", "-o", "json").stdout)
    assert deployment["status"].get("readyReplicas") == 3
    for name in ("scheduler", "controller-manager", "nodes"):
        log = "".join(f.read_text(errors="replace") for f in sorted(cluster.dir.logs.glob(f"{name}.*")))
        assert "Task exception was never retrieved" not in log and "Traceback" not in log, log[-3000:]
        assert processes.running(cluster.dir, name) == pids[name], f"{name} exited:\n{log[-3000:]}"
