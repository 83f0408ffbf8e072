"""Image pulls by the docker node agent from a real registry on loopback: pull policies,
pull secrets (the pod's and its ServiceAccount's) against htpasswd auth, the registry's
answer in ErrImagePull, ImagePullBackOff, ErrImageNeverPull, one pull for two pods,
imageID from the pulled digest, status.images."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.api.registry import resolve
from kube.client.rest import RestClient
from kube.node.agent import NodeAgent
from kube.node.events import EventRecorder
from kube.node.fleet import NodeFleet
from kube.node.node_config import NodeConfig
from tests.apiserver.conftest import eventually
from tests.fixtures.registry import Registry, SlowProxy, hub_mirror_with_busybox, start_registry
from tests.fixtures.requirements import require_docker
from tests.node.cluster import EVENT, NODE, POD, assign_pod_cidrs
from tests.node.conftest import DockerNode

BUSYBOX = "kube.local/busybox:1"
SECRET, SA = resolve("secrets"), resolve("serviceaccounts")


@pytest.fixture
async def node(kubeconfig, tmp_path: Path) -> AsyncIterator[DockerNode]:
    """A docker node agent whose image pull back-off is 1 s doubling to 4 s (the kubelet's 10 s / 5 min)."""
    require_docker()
    from kube.node.containers_cleanup import remove_all_kube_containers
    from kube.node.docker_runtime import DockerRuntime

    client = RestClient.from_kubeconfig(str(kubeconfig))
    name = f"pl-{uuid.uuid4().hex[:6]}"
    root = tmp_path / "node"
    root.mkdir()
    events = EventRecorder(client, name)
    runtime = DockerRuntime(name, str(root), events, pull_backoff=(1.0, 4.0))
    agent = NodeAgent(NodeConfig(name=name, zone="a", root_dir=str(root)), runtime, client, events,
                      resync_seconds=0.5)
    fleet = NodeFleet(client, [agent], lease_interval=5.0)
    dn = DockerNode(client, fleet, name, root, "")
    try:
        await fleet.start()
        dn.cidr = (await assign_pod_cidrs(client, [name], base=random.randint(100, 250)))[name]
        yield dn
    finally:
        await dn.fleet.stop()
        remove_all_kube_containers(str(tmp_path))
        await client.close()


@pytest.fixture
def registry(tmp_path: Path):
    require_docker()
    reg = start_registry(tmp_path / "registry")
    yield reg
    reg.stop()
    _rmi_all(reg)


@pytest.fixture
def private_registry(tmp_path: Path):
    require_docker()
    reg = start_registry(tmp_path / "private", user="alice", password="wonderland")
    yield reg
    reg.stop()
    _rmi_all(reg)


def _rmi_all(reg: Registry) -> None:
    out = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter",
                          f"reference={reg.addr}/*/*"], capture_output=True, text=True)
    for image in out.stdout.split():
        subprocess.run(["docker", "rmi", image], capture_output=True)
    subprocess.run(["docker", "image", "prune", "-f"], capture_output=True)


def pod(name: str, node: DockerNode, image: str, policy: str | None = None, **spec) -> dict:
    container = {"name": "app", "image": image, "command": ["/bin/sh", "-c", "sleep 3600"]}
    if policy:
        container["imagePullPolicy"] = policy
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node.name, "terminationGracePeriodSeconds": 1, "containers": [container], **spec}}


def waiting(p: dict) -> tuple[str, str]:
    state = ((p.get("status") or {}).get("containerStatuses") or [{}])[0].get("state") or {}
    w = state.get("waiting") or {}
    return str(w.get("reason", "")), str(w.get("message", ""))


async def wait_pod(node: DockerNode, name: str, check, timeout: float = 90.0) -> dict:
    last: dict = {}

    async def probe():
        p = await node.client.get(POD, name, "default")
        last["pod"] = p
        return p if check(p) else None
    try:
        return await eventually(probe, timeout=timeout, interval=0.3)
    except AssertionError:
        raise AssertionError(f"pod {name}: {json.dumps((last.get('pod') or {}).get('status'))}") from None


def pull_failed(p: dict) -> bool:
    """ErrImagePull, or the back-off after it (whose message carries the same error)."""
    return waiting(p)[0] in ("ErrImagePull", "ImagePullBackOff")


def running(p: dict) -> bool:
    return (p.get("status") or {}).get("phase") == "Running"


async def events_of(node: DockerNode, name: str) -> list[dict]:
    await node.fleet.agents[node.name].events.flush()
    items = (await node.client.list(EVENT, "default"))["items"]
    return [e for e in items if e["involvedObject"]["name"] == name]


def docker_config_secret(name: str, reg: Registry, password: str, legacy: bool = False) -> dict:
    entry = {"username": reg.user, "password": password,
             "auth": base64.b64encode(f"{reg.user}:{password}".encode()).decode()}
    if legacy:
        return {"metadata": {"name": name}, "type": "kubernetes.io/dockercfg",
                "data": {".dockercfg": base64.b64encode(json.dumps({f"http://{reg.addr}": entry}).encode()).decode()}}
    doc = {"auths": {reg.addr: entry}}
    return {"metadata": {"name": name}, "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(json.dumps(doc).encode()).decode()}}


async def test_always_pulls_from_the_registry_and_runs(node: DockerNode, registry: Registry):
    image = registry.push(BUSYBOX, "team/app:1")
    await node.client.create(POD, pod("always", node, image, "Always"), "default")
    p = await wait_pod(node, "always", running)
    assert registry.manifest_requests("team/app") >= 1  # the access log shows the manifest request
    status = p["status"]["containerStatuses"][0]
    assert status["imageID"].startswith(f"docker-pullable://{registry.addr}/team/app@sha256:"), status
    reasons = {e["reason"]: e["message"] for e in await events_of(node, "always")}
    assert reasons["Pulling"] == f'Pulling image "{image}"'
    assert reasons["Pulled"].startswith(f'Successfully pulled image "{image}" in ')
    assert " Image size: " in reasons["Pulled"] and reasons["Pulled"].endswith(" bytes.")

    async def listed():
        n = await node.client.get(NODE, node.name)
        return any(image in i["names"] for i in n["status"].get("images") or [])
    await eventually(listed, timeout=60, interval=0.5)


async def test_missing_tag_names_the_registry_answer(node: DockerNode, registry: Registry):
    registry.push(BUSYBOX, "team/app:1")
    image = f"{registry.addr}/team/app:nope"
    await node.client.create(POD, pod("notag", node, image), "default")
    p = await wait_pod(node, "notag", pull_failed)
    assert "manifest unknown" in waiting(p)[1] or "not found" in waiting(p)[1], waiting(p)
    p = await wait_pod(node, "notag", lambda p: waiting(p)[0] == "ImagePullBackOff")
    assert waiting(p)[1].startswith(f'Back-off pulling image "{image}"')
    events = await events_of(node, "notag")
    assert any(e["reason"] == "Failed" and e["message"].startswith(f'Failed to pull image "{image}"') for e in events)
    assert any(e["reason"] == "BackOff" for e in events)


async def test_never_with_the_image_absent(node: DockerNode, registry: Registry):
    image = registry.push(BUSYBOX, "team/never:1")  # in the registry, not on the node
    await node.client.create(POD, pod("never", node, image, "Never"), "default")
    p = await wait_pod(node, "never", lambda p: waiting(p)[0] == "ErrImageNeverPull")
    assert waiting(p)[1] == f'Container image "{image}" is not present with pull policy of Never'
    await asyncio.sleep(2)
    assert registry.manifest_requests("team/never") == 0
    await node.client.create(POD, pod("never-here", node, BUSYBOX, "Never"), "default")
    await wait_pod(node, "never-here", running)


async def test_private_repository_needs_the_right_secret(node: DockerNode, private_registry: Registry):
    reg = private_registry
    image = reg.push(BUSYBOX, "private/app:1")
    await node.client.create(POD, pod("nosecret", node, image), "default")
    p = await wait_pod(node, "nosecret", pull_failed)
    assert "no basic auth credentials" in waiting(p)[1] or "unauthorized" in waiting(p)[1], waiting(p)
    assert reg.addr in waiting(p)[1]

    await node.client.create(SECRET, docker_config_secret("wrong", reg, "guess"), "default")
    await node.client.create(POD, pod("badsecret", node, image, imagePullSecrets=[{"name": "wrong"}]), "default")
    p = await wait_pod(node, "badsecret", pull_failed)
    assert "unauthorized" in waiting(p)[1] or "authentication required" in waiting(p)[1], waiting(p)

    await node.client.create(SECRET, docker_config_secret("regcred", reg, reg.password), "default")
    await node.client.create(POD, pod("withsecret", node, image, imagePullSecrets=[{"name": "wrong"},
                                                                                  {"name": "regcred"}]), "default")
    await wait_pod(node, "withsecret", running)


async def test_service_account_pull_secret_in_the_old_dockercfg_form(node: DockerNode, private_registry: Registry):
    reg = private_registry
    image = reg.push(BUSYBOX, "private/sa:1")
    await node.client.create(SECRET, docker_config_secret("legacy", reg, reg.password, legacy=True), "default")
    await node.client.create(SA, {"metadata": {"name": "builder"}, "imagePullSecrets": [{"name": "legacy"}]},
                             "default")
    await node.client.create(POD, pod("viasa", node, image, serviceAccountName="builder"), "default")
    await wait_pod(node, "viasa", running)


async def test_a_missing_pull_secret_is_an_event_and_the_pull_goes_on(node: DockerNode, registry: Registry):
    image = registry.push(BUSYBOX, "team/open:1")
    await node.client.create(POD, pod("gone", node, image, imagePullSecrets=[{"name": "absent"}]), "default")
    await wait_pod(node, "gone", running)
    assert any(e["reason"] == "FailedToRetrieveImagePullSecret" for e in await events_of(node, "gone"))


async def test_two_pods_racing_for_one_image_cause_one_pull(node: DockerNode, registry: Registry):
    registry.push(BUSYBOX, "team/race:1")
    slow = SlowProxy(registry.addr, delay=2.0)  # each pull lasts seconds: the two pods' pulls overlap
    image = f"{slow.addr}/team/race:1"
    puller = node.fleet.agents[node.name].runtime.puller
    before = puller.pulls
    await asyncio.gather(*(node.client.create(POD, pod(f"race{i}", node, image), "default") for i in range(2)))
    for i in range(2):
        await wait_pod(node, f"race{i}", running)
    slow.close()
    subprocess.run(["docker", "rmi", image], capture_output=True)  # pulled under the proxy's name
    assert puller.pulls - before == 1
    assert registry.manifest_requests("team/race") == 1
    for i in range(2):
        assert any(e["reason"] == "Pulled" for e in await events_of(node, f"race{i}"))


async def test_after_the_back_off_the_retried_pull_runs_the_pushed_image(node: DockerNode, registry: Registry):
    image = f"{registry.addr}/team/later:1"
    await node.client.create(POD, pod("later", node, image), "default")
    await wait_pod(node, "later", lambda p: waiting(p)[0] == "ImagePullBackOff")
    registry.push(BUSYBOX, "team/later:1")  # the image appears: the next attempt after the back-off pulls it
    await wait_pod(node, "later", running)


async def test_image_busybox_resolves_through_the_docker_hub_mirror(node: DockerNode, tmp_path: Path):
    with hub_mirror_with_busybox(tmp_path / "mirror", BUSYBOX) as started:
        await node.client.create(POD, pod("hub", node, "busybox"), "default")  # untagged: Always
        p = await wait_pod(node, "hub", running)
        assert p["spec"]["containers"][0]["imagePullPolicy"] == "Always"
        assert p["status"]["containerStatuses"][0]["imageID"].startswith("docker-pullable://busybox@sha256:")
        if started is not None:
            assert started.manifest_requests("library/busybox") >= 1
