"""Pod phase and conditions from container states (the kubelet's getPhase rules)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kube.node.pod_status import build_pod_status, pod_conditions, pod_phase, status_differs
from kube.node.runtime import PodRuntimeStatus, PodSandbox

SANDBOX = PodSandbox("n1", "10.244.0.5", "192.0.2.1", "10.244.0.0/24")


def pod(policy: str = "Always", containers: int = 1, init: int = 0) -> dict:
    spec = {"restartPolicy": policy, "containers": [{"name": f"c{i}"} for i in range(containers)]}
    if init:
        spec["initContainers"] = [{"name": f"i{i}"} for i in range(init)]
    return {"metadata": {"name": "p", "namespace": "default", "uid": "u1"}, "spec": spec, "status": {}}


def running(name: str, ready: bool = True) -> dict:
    return {"name": name, "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}, "ready": ready}


def exited(name: str, code: int) -> dict:
    return {"name": name, "state": {"terminated": {"exitCode": code}}, "ready": False}


def restarting(name: str, code: int) -> dict:
    return {"name": name, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": code}}, "ready": False}


def rt(*statuses: dict, init: tuple = ()) -> PodRuntimeStatus:
    return PodRuntimeStatus(True, list(statuses), list(init))


def test_phases_follow_the_restart_policy():
    assert pod_phase(pod(), PodRuntimeStatus(False)) == "Pending"
    assert pod_phase(pod(), rt(running("c0"))) == "Running"
    assert pod_phase(pod("Always"), rt(exited("c0", 0))) == "Running"
    assert pod_phase(pod("Never"), rt(exited("c0", 0))) == "Succeeded"
    assert pod_phase(pod("Never"), rt(exited("c0", 2))) == "Failed"
    assert pod_phase(pod("OnFailure"), rt(exited("c0", 0))) == "Succeeded"
    assert pod_phase(pod("OnFailure"), rt(exited("c0", 2))) == "Running"
    assert pod_phase(pod("Always"), rt(restarting("c0", 1))) == "Running"
    assert pod_phase(pod(containers=2), rt(running("c0"))) == "Pending"  # c1 not created yet
    assert pod_phase(pod("Never", containers=2), rt(running("c0"), exited("c1", 1))) == "Running"


def test_init_containers_gate_the_pod():
    p = pod(init=2)
    assert pod_phase(p, rt(init=(exited("i0", 0),))) == "Pending"
    assert pod_phase(p, rt(running("c0"), init=(exited("i0", 0), exited("i1", 0)))) == "Running"
    assert pod_phase(pod("Never", init=1), rt(init=(exited("i0", 1),))) == "Failed"
    conds = {c["type"]: c for c in pod_conditions(p, rt(init=(exited("i0", 0),)), "Pending")}
    assert conds["Initialized"]["status"] == "False"
    assert conds["Initialized"]["message"] == "containers with incomplete status: [i1]"


def test_ready_needs_every_container_ready():
    p = pod(containers=2)
    conds = {c["type"]: c for c in pod_conditions(p, rt(running("c0"), running("c1", ready=False)), "Running")}
    assert conds["Ready"]["status"] == "False" and conds["ContainersReady"]["status"] == "False"
    assert conds["Ready"]["message"] == "containers with unready status: [c1]"
    conds = {c["type"]: c for c in pod_conditions(p, rt(running("c0"), running("c1")), "Running")}
    assert conds["Ready"]["status"] == "True" and conds["PodScheduled"]["status"] == "True"


def test_unchanged_status_gives_no_write_and_keeps_transition_times():
    p = pod()
    first = build_pod_status(p, rt(running("c0")), SANDBOX)
    assert first["podIP"] == "10.244.0.5" and first["hostIP"] == "192.0.2.1"
    p["status"] = {**first, "conditions": [{**c, "lastTransitionTime": "2020-01-01T00:00:00Z"}
                                           for c in first["conditions"]]}
    again = build_pod_status(p, rt(running("c0")), SANDBOX)
    assert not status_differs(p["status"], again)
    changed = build_pod_status(p, rt(running("c0", ready=False)), SANDBOX)
    assert status_differs(p["status"], changed)
    ready = next(c for c in changed["conditions"] if c["type"] == "Ready")
    scheduled = next(c for c in changed["conditions"] if c["type"] == "PodScheduled")
    assert ready["lastTransitionTime"] != "2020-01-01T00:00:00Z"
    assert scheduled["lastTransitionTime"] == "2020-01-01T00:00:00Z"


STATES = st.sampled_from(["running", "ok", "fail", "restart-ok", "restart-fail"])


def make(name: str, kind: str) -> dict:
    return {"running": running(name), "ok": exited(name, 0), "fail": exited(name, 1),
            "restart-ok": restarting(name, 0), "restart-fail": restarting(name, 1)}[kind]


@given(st.sampled_from(["Always", "OnFailure", "Never"]), st.lists(STATES, min_size=1, max_size=4))
def test_phase_invariants(policy, kinds):
    p = pod(policy, containers=len(kinds))
    phase = pod_phase(p, rt(*(make(f"c{i}", k) for i, k in enumerate(kinds))))
    if policy == "Always":
        assert phase == "Running"  # nothing is ever finished under Always
    if "running" in kinds:
        assert phase == "Running"
    if phase == "Succeeded":
        assert all(k == "ok" for k in kinds)
    if phase == "Failed":
        # (a container waiting to restart counts as stopped but not succeeded, as in getPhase)
        assert policy == "Never" and any(k == "fail" or k.startswith("restart") for k in kinds)
