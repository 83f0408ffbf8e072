"""Image pulls driven with the real kubectl on a `kube up --runtime docker` cluster, from
loopback registries the test starts (one open, one with htpasswd auth): Always pulls (the
access log shows the manifest request) and runs; a private repository fails without the
secret (`kubectl create secret docker-registry`) naming the registry's answer, runs with it;
a missing tag; Never with the image absent; two pods racing for one image cause one pull;
`kubectl run --image=busybox` resolved through dockerd's Docker Hub mirror."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from kube.local.container_cleanup import remove_cluster_containers
from tests.conftest import free_port
from tests.fixtures.registry import Registry, SlowProxy, hub_mirror_with_busybox, start_registry
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import KUBECTL, LocalCluster, free_port_run, wait_for

BUSYBOX = "kube.local/busybox:1"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Iterator[tuple[LocalCluster, Registry, Registry]]:
    require_docker()
    base = tmp_path_factory.mktemp("pulls")
    open_reg = start_registry(base / "open")
    private = start_registry(base / "private", user="alice", password="wonderland")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    try:
        c.up("--runtime", "docker", "--nodes", "1", "--no-examples", "--name-prefix", f"p{uuid.uuid4().hex[:4]}",
             "--cluster-cidr", "10.248.0.0/18", kubelet_port=free_port_run(1))
        yield c, open_reg, private
    finally:
        c.down()
        remove_cluster_containers(str(c.root))
        for reg in (open_reg, private):
            reg.stop()
            out = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter",
                                  f"reference={reg.addr}/*/*"], capture_output=True, text=True)
            for image in out.stdout.split():
                subprocess.run(["docker", "rmi", image], capture_output=True)


def apply_pod(c: LocalCluster, name: str, image: str, policy: str = "", secret: str = "") -> None:
    container = {"name": "app", "image": image, "command": ["sleep", "3600"]}
    if policy:
        container["imagePullPolicy"] = policy
    spec: dict = {"containers": [container], "terminationGracePeriodSeconds": 1}
    if secret:
        spec["imagePullSecrets"] = [{"name": secret}]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    subprocess.run([KUBECTL, "--kubeconfig", str(c.kubeconfig), "--cache-dir", str(c.cache), "apply", "-f", "-"],
                   input=json.dumps(pod), text=True, check=True, capture_output=True)


def waiting(c: LocalCluster, name: str) -> tuple[str, str, str]:
    p = c.get_json("pod", name)
    status = ((p.get("status") or {}).get("containerStatuses") or [{}])[0]
    w = (status.get("state") or {}).get("waiting") or {}
    return str(p.get("status", {}).get("phase", "")), str(w.get("reason", "")), str(w.get("message", ""))


def wait_running(c: LocalCluster, name: str) -> None:
    wait_for(f"{name} Running", lambda: waiting(c, name)[0] == "Running", 120)


def wait_reason(c: LocalCluster, name: str, *reasons: str) -> str:
    return wait_for(f"{name} {'/'.join(reasons)}",
                    lambda: waiting(c, name)[2] if waiting(c, name)[1] in reasons else None, 120)


def test_always_pulls_from_the_registry_and_runs(env):
    c, reg, _ = env
    image = reg.push(BUSYBOX, "team/app:1")
    apply_pod(c, "always", image, "Always")
    wait_running(c, "always")
    assert reg.manifest_requests("team/app") >= 1
    events = c.kubectl("get", "events", "--field-selector", "involvedObject.name=always", "-o", "json").stdout
    messages = [e["message"] for e in json.loads(events)["items"]]
    assert any(m.startswith(f'Successfully pulled image "{image}" in ') and "Image size:" in m for m in messages)


def test_private_repository_with_and_without_the_secret(env):
    c, _, private = env
    image = private.push(BUSYBOX, "private/app:1")
    apply_pod(c, "nosecret", image)
    message = wait_reason(c, "nosecret", "ErrImagePull", "ImagePullBackOff")
    assert "no basic auth credentials" in message and private.addr in message, message
    secret = c.kubectl("create", "secret", "docker-registry", "regcred", f"--docker-server={private.addr}",
                       "--docker-username=alice", "--docker-password=wonderland", "--dry-run=client",
                       "-o", "json").stdout
    subprocess.run([KUBECTL, "--kubeconfig", str(c.kubeconfig), "--cache-dir", str(c.cache), "apply", "-f", "-"],
                   input=secret, text=True, check=True, capture_output=True)
    apply_pod(c, "withsecret", image, secret="regcred")
    wait_running(c, "withsecret")
    # the image is on the node now: the secretless IfNotPresent pod runs it on its next try, as in
    # Kubernetes without the KubeletEnsureSecretPulledImages gate (Always would have to pull)
    wait_running(c, "nosecret")


def test_missing_tag_and_never_with_the_image_absent(env):
    c, reg, _ = env
    reg.push(BUSYBOX, "team/tags:1")
    apply_pod(c, "notag", f"{reg.addr}/team/tags:nope")
    assert "manifest unknown" in wait_reason(c, "notag", "ErrImagePull", "ImagePullBackOff")
    image = reg.push(BUSYBOX, "team/never:1")
    apply_pod(c, "never", image, "Never")
    assert "is not present with pull policy of Never" in wait_reason(c, "never", "ErrImageNeverPull")
    assert reg.manifest_requests("team/never") == 0


def test_two_pods_racing_for_one_image_cause_one_pull(env):
    c, reg, _ = env
    alone = reg.push(BUSYBOX, "team/alone:1")
    apply_pod(c, "alone", alone)
    wait_running(c, "alone")
    one_pull = reg.manifest_requests("team/alone")
    reg.push(BUSYBOX, "team/race:1")
    slow = SlowProxy(reg.addr, delay=2.0)  # each pull lasts seconds: the two pods' pulls overlap
    image = f"{slow.addr}/team/race:1"
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"race{i}"},
             "spec": {"terminationGracePeriodSeconds": 1,
                      "containers": [{"name": "app", "image": image, "command": ["sleep", "3600"]}]}}
            for i in range(2)]
    subprocess.run([KUBECTL, "--kubeconfig", str(c.kubeconfig), "--cache-dir", str(c.cache), "apply", "-f", "-"],
                   input=json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}), text=True, check=True,
                   capture_output=True)
    try:
        wait_running(c, "race0")
        wait_running(c, "race1")
    finally:
        slow.close()
    assert reg.manifest_requests("team/race") == one_pull
    c.kubectl("delete", "pod", "race0", "race1", "--wait=true")
    subprocess.run(["docker", "rmi", image], capture_output=True)  # pulled under the proxy's name


def test_kubectl_run_busybox_resolves_through_the_docker_hub_mirror(env, tmp_path):
    c, _, _ = env
    with hub_mirror_with_busybox(tmp_path / "mirror", BUSYBOX) as started:
        c.kubectl("run", "hub", "--image=busybox", "--command", "--", "sleep", "3600")
        wait_running(c, "hub")
        p = c.get_json("pod", "hub")
        assert p["spec"]["containers"][0]["imagePullPolicy"] == "Always"  # untagged means :latest
        assert p["status"]["containerStatuses"][0]["imageID"].startswith("docker-pullable://busybox@sha256:")
        if started is not None:
            assert started.manifest_requests("library/busybox") >= 1
        c.kubectl("delete", "pod", "hub", "--wait=true")
