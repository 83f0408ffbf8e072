"""kubectl's long-running reads: `get -w` sees a change made through the API; `rollout status`
(sendInitialEvents watch) ends with a clear outcome instead of hanging."""

from __future__ import annotations

import json
import queue
import threading
import time

from tests.e2e.conftest import Kubectl

DEADLINE = 30.0  # generous: the row shows up in well under a second


def _reader(stream: object, lines: queue.Queue[str]) -> threading.Thread:
    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def _wait_for(lines: queue.Queue[str], wanted: str, seen: list[str]) -> bool:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if wanted in line:
            return True
    return False


def _pod(name: str, namespace: str, labels: dict[str, str] | None = None) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
                       "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}})


def test_get_pods_watch_sees_a_new_pod_and_its_change(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-f", "-", stdin=_pod("first", namespace))
    watcher = kubectl.popen("get", "pods", "-n", namespace, "-w")
    lines: queue.Queue[str] = queue.Queue()
    try:
        _reader(watcher.stdout, lines)
        seen: list[str] = []
        assert _wait_for(lines, "first", seen), seen  # the initial list
        kubectl("apply", "-f", "-", stdin=_pod("second", namespace))
        assert _wait_for(lines, "second", seen), seen
        row = next(line for line in seen if line.startswith("second"))
        assert row.split()[1:3] == ["0/1", "Pending"]
        kubectl("delete", "pod", "second", "-n", namespace, "--wait=false")
        more: list[str] = []
        assert _wait_for(lines, "second", more), more  # the deletion shows as one more row
    finally:
        watcher.kill()
        watcher.wait(10)
    assert watcher.stderr is not None and "error" not in watcher.stderr.read().lower()


def test_rollout_status_without_a_controller_times_out_clearly(kubectl: Kubectl, namespace: str) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}}}
    kubectl("apply", "-f", "-", stdin=json.dumps(deployment))
    started = time.monotonic()
    result = kubectl("rollout", "status", "deployment/web", "-n", namespace, "--timeout=3s", ok=False,
                     timeout=DEADLINE)
    assert time.monotonic() - started < DEADLINE
    assert result.returncode != 0
    assert result.stdout.startswith("Waiting for deployment")  # no controller: spec never observed
    assert "timed out" in result.stderr


def test_rollout_status_of_a_finished_rollout_succeeds(kubectl: Kubectl, namespace: str) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "done", "namespace": namespace},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "done"}},
                           "template": {"metadata": {"labels": {"app": "done"}},
                                        "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}}}
    kubectl("apply", "-f", "-", stdin=json.dumps(deployment))
    status = {"status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
                         "availableReplicas": 1}}
    kubectl("patch", "deployment", "done", "-n", namespace, "--subresource=status", "--type=merge",
            "-p", json.dumps(status))
    result = kubectl("rollout", "status", "deployment/done", "-n", namespace, "--timeout=20s", timeout=DEADLINE)
    assert 'deployment "done" successfully rolled out' in result.stdout
