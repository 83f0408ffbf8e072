"""The docker runtime against a real dockerd: shared pod network, init containers, env and
volumes, limits, restart policies, probes, graceful deletion, re-adoption."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import time

import docker
import pytest

from kube.node.container_config import L_UID
from tests.apiserver.conftest import eventually
from tests.node.cluster import EVENT, POD, condition
from tests.node.conftest import DockerNode

BUSYBOX = "kube.local/busybox:1"
CONFIGMAP, SECRET = "configmaps", "secrets"


def pod(name: str, node: str, containers: list[dict], **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "terminationGracePeriodSeconds": 2, "containers": containers, **spec}}


def sh(name: str, script: str, **extra) -> dict:
    return {"name": name, "image": BUSYBOX, "command": ["/bin/sh", "-c", script], **extra}


async def wait_pod(node: DockerNode, name: str, check, timeout: float = 40.0) -> dict:
    async def probe():
        p = await node.client.get(POD, name, "default")
        return p if check(p) else None
    return await eventually(probe, timeout=timeout, interval=0.2)


def running_ready(p: dict) -> bool:
    return p["status"].get("phase") == "Running" and condition(p, "Ready") == "True"


def docker_exec(p: dict, container: str, command: str) -> str:
    client = docker.from_env()
    try:
        uid = p["metadata"]["uid"]
        for c in client.containers.list(filters={"label": f"{L_UID}={uid}"}):
            if c.labels.get("io.kube.container.name") == container:
                return c.exec_run(["/bin/sh", "-c", command]).output.decode()
    finally:
        client.close()
    raise AssertionError(f"no running container {container}")


async def test_two_containers_share_one_ip_and_localhost(docker_node: DockerNode):
    body = pod("pair", docker_node.name, [
        sh("server", "echo hello-from-server > /tmp/index.html; httpd -f -p 8080 -h /tmp"),
        sh("client", "sleep 3600")])
    await docker_node.client.create(POD, body, "default")
    p = await wait_pod(docker_node, "pair", running_ready)
    ip = p["status"]["podIP"]
    assert ipaddress.ip_address(ip) in ipaddress.ip_network(docker_node.cidr)
    assert docker_exec(p, "client", "wget -qO- http://127.0.0.1:8080/index.html").strip() == "hello-from-server"
    assert docker_exec(p, "client", "hostname -i").split()[0] == ip
    statuses = {s["name"]: s for s in p["status"]["containerStatuses"]}
    assert statuses["server"]["containerID"].startswith("docker://")
    assert statuses["client"]["state"]["running"]["startedAt"].endswith("Z")


async def test_init_containers_run_in_order_before_the_app(docker_node: DockerNode):
    body = pod("inits", docker_node.name, [sh("app", "cat /work/log; sleep 3600", volumeMounts=[
        {"name": "work", "mountPath": "/work"}])],
        initContainers=[sh("first", "echo one >> /work/log", volumeMounts=[{"name": "work", "mountPath": "/work"}]),
                        sh("second", "sleep 1; echo two >> /work/log",
                           volumeMounts=[{"name": "work", "mountPath": "/work"}])],
        volumes=[{"name": "work", "emptyDir": {}}])
    await docker_node.client.create(POD, body, "default")
    p = await wait_pod(docker_node, "inits", running_ready)
    assert condition(p, "Initialized") == "True"
    assert [s["state"]["terminated"]["reason"] for s in p["status"]["initContainerStatuses"]] == ["Completed"] * 2
    assert docker_exec(p, "app", "cat /work/log").split() == ["one", "two"]


async def test_env_and_volumes(docker_node: DockerNode):
    client = docker_node.client
    from kube.api.registry import resolve

    await client.create(resolve(CONFIGMAP), {"metadata": {"name": "cfg"}, "data": {"color": "blue", "app.conf": "x=1"}},
                        "default")
    await client.create(resolve(SECRET), {"metadata": {"name": "sec"},
                                          "data": {"token": base64.b64encode(b"s3cret").decode()}}, "default")
    host_dir = docker_node.root / "shared"
    body = pod("envvol", docker_node.name, [sh("app", "sleep 3600", workingDir="/data", env=[
        {"name": "PLAIN", "value": "v1"},
        {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "token"}}},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "GREETING", "value": "hi-$(PLAIN)"}],
        volumeMounts=[{"name": "data", "mountPath": "/data"}, {"name": "cfg", "mountPath": "/etc/cfg"},
                      {"name": "sec", "mountPath": "/etc/sec", "readOnly": True},
                      {"name": "host", "mountPath": "/host"}])],
        volumes=[{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}},
                 {"name": "sec", "secret": {"secretName": "sec"}},
                 {"name": "host", "hostPath": {"path": str(host_dir), "type": "DirectoryOrCreate"}}])
    await client.create(POD, body, "default")
    p = await wait_pod(docker_node, "envvol", running_ready)
    env = dict(line.split("=", 1) for line in docker_exec(p, "app", "env").splitlines() if "=" in line)
    assert env["PLAIN"] == "v1" and env["COLOR"] == "blue" and env["TOKEN"] == "s3cret"
    assert env["POD_NAME"] == "envvol" and env["POD_IP"] == p["status"]["podIP"] and env["NODE"] == docker_node.name
    assert env["GREETING"] == "hi-v1"
    assert docker_exec(p, "app", "pwd").strip() == "/data"
    assert docker_exec(p, "app", "cat /etc/cfg/app.conf") == "x=1"
    assert docker_exec(p, "app", "cat /etc/sec/token") == "s3cret"
    docker_exec(p, "app", "echo from-pod > /host/out")
    assert (host_dir / "out").read_text().strip() == "from-pod"


async def test_missing_configmap_key_is_a_config_error(docker_node: DockerNode):
    body = pod("badref", docker_node.name, [sh("app", "sleep 3600", env=[
        {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}])])
    await docker_node.client.create(POD, body, "default")

    def config_error(p):
        s = (p["status"].get("containerStatuses") or [{}])[0]
        return s.get("state", {}).get("waiting", {}).get("reason") == "CreateContainerConfigError"

    p = await wait_pod(docker_node, "badref", config_error)
    assert 'configmap "nope" not found' in p["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
    assert p["status"]["phase"] == "Pending"


async def test_limits_are_visible_in_the_container(docker_node: DockerNode):
    body = pod("limited", docker_node.name, [sh("app", "sleep 3600",
                                                resources={"limits": {"cpu": "500m", "memory": "64Mi"}})])
    await docker_node.client.create(POD, body, "default")
    p = await wait_pod(docker_node, "limited", running_ready)
    assert int(docker_exec(p, "app", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes")) == 64 * 1024 * 1024
    quota = int(docker_exec(p, "app", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us"))
    period = int(docker_exec(p, "app", "cat /sys/fs/cgroup/cpu/cpu.cfs_period_us"))
    assert quota / period == pytest.approx(0.5)


async def test_missing_image_gives_err_image_pull_then_backoff(docker_node: DockerNode):
    body = pod("noimage", docker_node.name, [{"name": "app", "image": "kube.local/does-not-exist:9"}])
    await docker_node.client.create(POD, body, "default")

    def reason(p):
        s = (p["status"].get("containerStatuses") or [{}])[0]
        return s.get("state", {}).get("waiting", {}).get("reason")

    first = await wait_pod(docker_node, "noimage", lambda p: reason(p) in ("ErrImagePull", "ImagePullBackOff"))
    assert "never pulls" in first["status"]["containerStatuses"][0]["state"]["waiting"]["message"] \
        or reason(first) == "ImagePullBackOff"
    await wait_pod(docker_node, "noimage", lambda p: reason(p) == "ImagePullBackOff")


@pytest.mark.parametrize(("policy", "exit_code", "phase", "restarts"), [
    ("Never", 3, "Failed", False), ("Never", 0, "Succeeded", False),
    ("OnFailure", 0, "Succeeded", False), ("OnFailure", 3, "Running", True), ("Always", 0, "Running", True)])
async def test_restart_policies(docker_node: DockerNode, policy, exit_code, phase, restarts):
    name = f"rp-{policy.lower()}-{exit_code}"
    body = pod(name, docker_node.name, [sh("app", f"sleep 0.5; exit {exit_code}")], restartPolicy=policy)
    await docker_node.client.create(POD, body, "default")
    if restarts:
        p = await wait_pod(docker_node, name, lambda p: (p["status"].get("containerStatuses") or [{}])[0]
                           .get("restartCount", 0) >= 1)
        status = p["status"]["containerStatuses"][0]
        assert status["lastState"]["terminated"]["exitCode"] == exit_code
        assert p["status"]["phase"] == phase
    else:
        p = await wait_pod(docker_node, name, lambda p: p["status"].get("phase") == phase)
        await asyncio.sleep(2)
        p = await docker_node.client.get(POD, name, "default")
        status = p["status"]["containerStatuses"][0]
        assert p["status"]["phase"] == phase and status["restartCount"] == 0
        assert status["state"]["terminated"]["exitCode"] == exit_code
        assert status["state"]["terminated"]["reason"] == ("Completed" if exit_code == 0 else "Error")


async def test_crash_loop_back_off(docker_node: DockerNode):
    body = pod("crasher", docker_node.name, [sh("app", "exit 1")])
    await docker_node.client.create(POD, body, "default")

    def crash_looping(p):
        s = (p["status"].get("containerStatuses") or [{}])[0]
        return s.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"

    p = await wait_pod(docker_node, "crasher", crash_looping)
    status = p["status"]["containerStatuses"][0]
    assert status["restartCount"] >= 1
    assert "back-off 10s restarting failed container=app" in status["state"]["waiting"]["message"]
    assert status["lastState"]["terminated"]["exitCode"] == 1
    await asyncio.sleep(3)
    # within the 10 s back-off it is not restarted again
    again = (await docker_node.client.get(POD, "crasher", "default"))["status"]["containerStatuses"][0]
    assert again["restartCount"] == status["restartCount"]
    events = (await docker_node.client.list(EVENT, "default"))["items"]
    assert any(e["reason"] == "BackOff" and e["involvedObject"]["name"] == "crasher" for e in events)


async def test_graceful_deletion_waits_for_the_grace_period(docker_node: DockerNode):
    # ignores SIGTERM (PID 1 without a handler): killed once the 3 s grace period is over
    stubborn = pod("stubborn", docker_node.name, [sh("app", "sleep 3600")], terminationGracePeriodSeconds=3)
    # exits on SIGTERM: gone long before its 30 s grace period
    polite = pod("polite", docker_node.name, [sh("app", "trap 'exit 0' TERM; while :; do sleep 0.2; done")],
                 terminationGracePeriodSeconds=30)
    for body in (stubborn, polite):
        await docker_node.client.create(POD, body, "default")
    for name in ("stubborn", "polite"):
        await wait_pod(docker_node, name, running_ready)

    async def gone(name):
        try:
            await docker_node.client.get(POD, name, "default")
            return False
        except Exception:  # noqa: BLE001 - 404
            return True

    timings = {}
    for name in ("stubborn", "polite"):
        start = time.monotonic()
        await docker_node.client.delete(POD, name, "default")
        await eventually(lambda n=name: gone(n), timeout=40, interval=0.1)
        timings[name] = time.monotonic() - start
    assert timings["stubborn"] >= 3.0
    assert timings["polite"] < 25.0
    events = (await docker_node.client.list(EVENT, "default"))["items"]
    assert any(e["reason"] == "Killing" and e["involvedObject"]["name"] == "stubborn" for e in events)
    client = docker.from_env()
    try:
        assert not client.containers.list(all=True, filters={"label": "io.kube.pod.name=stubborn"})
    finally:
        client.close()


async def test_restarted_agent_readopts_containers_and_removes_orphans(docker_node: DockerNode):
    await docker_node.client.create(POD, pod("keep", docker_node.name, [sh("app", "sleep 3600")]), "default")
    await docker_node.client.create(POD, pod("drop", docker_node.name, [sh("app", "sleep 3600")]), "default")
    keep = await wait_pod(docker_node, "keep", running_ready)
    await wait_pod(docker_node, "drop", running_ready)
    await docker_node.fleet.stop()
    # while the agent is down, "drop" is removed from the API for good
    await docker_node.client.delete(POD, "drop", "default", grace_period_seconds=0)
    docker_node.fleet = __import__("tests.node.conftest", fromlist=["make_fleet"]).make_fleet(
        docker_node.client, docker_node.name, docker_node.root)
    await docker_node.fleet.start()
    client = docker.from_env()
    try:
        assert not client.containers.list(all=True, filters={"label": "io.kube.pod.name=drop"})
        kept = client.containers.list(filters={"label": f"{L_UID}={keep['metadata']['uid']}"})
        assert len(kept) == 2  # pause + app, still running, not recreated
    finally:
        client.close()
    await asyncio.sleep(2)
    after = await docker_node.client.get(POD, "keep", "default")
    s_before, s_after = keep["status"]["containerStatuses"][0], after["status"]["containerStatuses"][0]
    assert s_after["containerID"] == s_before["containerID"] and s_after["restartCount"] == 0
    assert after["status"]["podIP"] == keep["status"]["podIP"]
