"""Simulated containers that end: the script reading, and the runtime terminating them on time."""

from __future__ import annotations

import pytest

from kube.node.runtime import PodConfig, PodSandbox
from kube.node.simulated_runtime import SimulatedRuntime
from kube.node.simulated_script import Run, scripted_run


@pytest.mark.parametrize(("command", "args", "run"), [
    (["sh", "-c", "sleep 1.5; exit 3"], None, Run(1.5, 3)),
    (["/bin/sh", "-c"], ["echo hello world && sleep 2\nsleep 1"], Run(3.0, 0, ("hello world",))),
    (["sleep", "4"], None, Run(4.0, 0)),
    (["false"], None, Run(0.0, 1)),
    (["sh", "-c", "true; echo 'a b'; false; sleep 9"], None, Run(0.0, 1, ("a b",))),
    (["sh", "-c", "exit 300"], None, Run(0.0, 44)),
])
def test_scripts_that_can_be_simulated(command, args, run) -> None:
    assert scripted_run({"command": command, "args": args}) == run


@pytest.mark.parametrize("command", [
    [], ["nginx"], ["sh", "-c", "sleep $T"], ["sh", "-c", "cat f | wc"], ["sh", "-c", "sleep x"],
    ["sh", "script.sh"], ["sh", "-c", "exit $?"], ["sh", "-c", "perl -e 1"],
])
def test_anything_else_runs_until_deleted(command) -> None:
    assert scripted_run({"command": command}) is None


def pod(restart: str, script: str) -> dict:
    return {"metadata": {"uid": "u1", "name": "p", "namespace": "default"},
            "spec": {"restartPolicy": restart, "containers": [{"name": "main", "image": "busybox",
                                                                "command": ["sh", "-c", script]}]}}


async def test_a_scripted_container_terminates_when_its_sleeps_have_passed() -> None:
    now = [1000.0]
    woken: list[tuple[str, float]] = []
    rt = SimulatedRuntime("n")
    rt.clock, rt.wake = (lambda: now[0]), (lambda key, delay: woken.append((key, delay)))
    p = pod("Never", "echo done; sleep 5; exit 7")
    await rt.sync_pod(p, PodSandbox("n", "10.0.0.2", "127.0.0.1"), PodConfig())
    assert woken and woken[-1][0] == "default/p" and 5.0 <= woken[-1][1] <= 5.1
    state = (await rt.pod_status(p)).container_statuses[0]["state"]
    assert "running" in state
    now[0] += 5
    status = (await rt.pod_status(p)).container_statuses[0]
    assert status["state"]["terminated"]["exitCode"] == 7 and status["state"]["terminated"]["reason"] == "Error"
    assert status["restartCount"] == 0 and status["ready"] is False
    assert [chunk async for chunk in rt.logs(p, "main", False, None)] == [b"done\n"]


async def test_on_failure_restarts_after_the_crash_loop_back_off() -> None:
    now = [1000.0]
    rt = SimulatedRuntime("n")
    rt.clock = lambda: now[0]
    p = pod("OnFailure", "sleep 1; exit 1")
    await rt.sync_pod(p, PodSandbox("n", "10.0.0.2", "127.0.0.1"), PodConfig())
    now[0] += 2
    assert "terminated" in (await rt.pod_status(p)).container_statuses[0]["state"]
    now[0] += 10
    status = (await rt.pod_status(p)).container_statuses[0]
    assert "running" in status["state"] and status["restartCount"] == 1
    assert status["lastState"]["terminated"]["exitCode"] == 1
