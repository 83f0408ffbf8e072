"""Probes against real containers: exec, httpGet and tcpSocket drive Ready and restarts."""

from __future__ import annotations

from tests.apiserver.conftest import eventually
from tests.node.cluster import EVENT, POD, condition
from tests.node.conftest import DockerNode
from tests.node.test_docker_pods import docker_exec, pod, sh, wait_pod

FAST = {"periodSeconds": 1, "failureThreshold": 2, "timeoutSeconds": 1}


def restarts(p: dict) -> int:
    return (p["status"].get("containerStatuses") or [{}])[0].get("restartCount", 0)


async def test_readiness_http_get_drives_the_ready_condition(docker_node: DockerNode):
    # serves only after /tmp/www/ready exists (made 3 s in): not Ready before, Ready after
    script = "mkdir -p /tmp/www; (sleep 3; echo ok > /tmp/www/ready) & httpd -f -p 8080 -h /tmp/www"
    probe = {"httpGet": {"path": "/ready", "port": "http"}, **FAST}
    body = pod("ready-http", docker_node.name, [sh("app", script, readinessProbe=probe,
                                                   ports=[{"name": "http", "containerPort": 8080}])])
    await docker_node.client.create(POD, body, "default")
    early = await wait_pod(docker_node, "ready-http", lambda p: p["status"].get("phase") == "Running")
    assert condition(early, "Ready") == "False"
    ready = await wait_pod(docker_node, "ready-http", lambda p: condition(p, "Ready") == "True")
    assert ready["status"]["containerStatuses"][0]["ready"] is True
    assert restarts(ready) == 0


async def test_readiness_tcp_socket(docker_node: DockerNode):
    body = pod("ready-tcp", docker_node.name, [sh("app", "sleep 2; httpd -f -p 9000 -h /tmp",
                                                  readinessProbe={"tcpSocket": {"port": 9000}, **FAST})])
    await docker_node.client.create(POD, body, "default")
    await wait_pod(docker_node, "ready-tcp", lambda p: condition(p, "Ready") == "True")


async def test_failing_exec_liveness_restarts_the_container(docker_node: DockerNode):
    probe = {"exec": {"command": ["cat", "/tmp/healthy"]}, **FAST}
    body = pod("live-exec", docker_node.name, [sh("app", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600",
                                                  livenessProbe=probe)])
    await docker_node.client.create(POD, body, "default")
    p = await wait_pod(docker_node, "live-exec", lambda p: restarts(p) >= 1, timeout=60)
    assert p["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] != 0
    events = [e for e in (await docker_node.client.list(EVENT, "default"))["items"]
              if e["involvedObject"]["name"] == "live-exec"]
    reasons = {e["reason"] for e in events}
    assert {"Unhealthy", "Killing"} <= reasons
    assert any("Liveness probe failed" in e["message"] for e in events)


async def startup_failures(node: DockerNode, name: str) -> int:
    events = (await node.client.list(EVENT, "default"))["items"]
    return sum(e.get("count", 1) for e in events if e["involvedObject"]["name"] == name
               and e["message"].startswith("Startup probe failed"))


async def test_startup_probe_gates_liveness(docker_node: DockerNode):
    # the test holds the startup gate (/tmp/ok) itself, so no machine load can race it: while the
    # startup probe fails, liveness (which would fail at once) must not run; once the test opens
    # the gate, the container is started and liveness passes: no restart at any point
    startup = {"exec": {"command": ["test", "-f", "/tmp/ok"]}, "periodSeconds": 1, "failureThreshold": 300}
    liveness = {"exec": {"command": ["test", "-f", "/tmp/ok"]}, **FAST}
    body = pod("startup", docker_node.name, [sh("app", "sleep 3600", startupProbe=startup, livenessProbe=liveness)])
    await docker_node.client.create(POD, body, "default")
    early = await wait_pod(docker_node, "startup", lambda p: p["status"].get("phase") == "Running")
    assert early["status"]["containerStatuses"][0]["started"] is False

    async def probed_a_while():
        return await startup_failures(docker_node, "startup") >= 4 or None
    await eventually(probed_a_while, timeout=60, interval=0.5)
    gated = await docker_node.client.get(POD, "startup", "default")
    assert gated["status"]["containerStatuses"][0]["started"] is False
    assert restarts(gated) == 0, "liveness ran before the startup probe passed"

    docker_exec(gated, "app", "touch /tmp/ok")
    p = await wait_pod(docker_node, "startup", lambda p: condition(p, "Ready") == "True")
    assert p["status"]["containerStatuses"][0]["started"] is True
    assert restarts(p) == 0
