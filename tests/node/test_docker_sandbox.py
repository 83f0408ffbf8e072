"""A pod whose pause container dies gets a new sandbox: its containers are killed and
started again in it (restartCount moves, init containers run again), with the same IP."""

from __future__ import annotations

import asyncio

import docker

from kube.node.container_config import L_KIND, L_UID
from tests.apiserver.conftest import eventually
from tests.node.cluster import EVENT, POD
from tests.node.conftest import DockerNode
from tests.node.test_docker_pods import docker_exec, pod, running_ready, sh, wait_pod


def kill_pause(uid: str) -> str:
    client = docker.from_env()
    try:
        (pause,) = client.containers.list(filters={"label": [f"{L_UID}={uid}", f"{L_KIND}=pause"]})
        pause.kill()
        return pause.id
    finally:
        client.close()


def pause_ids(uid: str) -> list[str]:
    client = docker.from_env()
    try:
        return [c.id for c in client.containers.list(filters={"label": [f"{L_UID}={uid}", f"{L_KIND}=pause"]})]
    finally:
        client.close()


async def test_dead_pause_container_recreates_the_sandbox(docker_node: DockerNode):
    body = pod("sandboxed", docker_node.name,
               [sh("app", "echo started >> /work/log; httpd -f -p 8080 -h /work",
                   volumeMounts=[{"name": "work", "mountPath": "/work"}])],
               initContainers=[sh("prepare", "echo init >> /work/log",
                                  volumeMounts=[{"name": "work", "mountPath": "/work"}])],
               volumes=[{"name": "work", "emptyDir": {}}])
    await docker_node.client.create(POD, body, "default")
    first = await wait_pod(docker_node, "sandboxed", running_ready)
    uid, ip = first["metadata"]["uid"], first["status"]["podIP"]
    old_pause = await asyncio.to_thread(kill_pause, uid)

    def restarted(p: dict) -> bool:
        statuses = p["status"].get("containerStatuses") or []
        return running_ready(p) and statuses and statuses[0]["restartCount"] == 1

    again = await wait_pod(docker_node, "sandboxed", restarted, timeout=60)
    assert again["status"]["podIP"] == ip
    new_pauses = await asyncio.to_thread(pause_ids, uid)
    assert len(new_pauses) == 1 and new_pauses[0] != old_pause
    app = again["status"]["containerStatuses"][0]
    assert "terminated" in app["lastState"]
    # the init container ran once per sandbox, the app once per start; the new app is reachable on the pod IP
    assert docker_exec(again, "app", "cat /work/log").split() == ["init", "started", "init", "started"]

    async def sandbox_changed_event() -> bool:
        events = (await docker_node.client.list(EVENT, "default"))["items"]
        return any(e["reason"] == "SandboxChanged" and e["involvedObject"]["name"] == "sandboxed" for e in events)

    await eventually(sandbox_changed_event, timeout=20, interval=0.2)
