"""Pod status from what the runtime reports: phase, conditions, IPs, container statuses.

Pure functions (the kubelet's generateAPIPodStatus / getPhase), so the rules are
tested without a runtime. Condition times move only when a condition's status
changes, so an unchanged pod produces an identical status and no API write.
"""

from __future__ import annotations

from kube.api.meta import Obj, now_rfc3339
from kube.node.runtime import PodRuntimeStatus, PodSandbox

CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


def _state_kind(status: Obj) -> str:
    state = status.get("state") or {}
    for kind in ("running", "terminated", "waiting"):
        if kind in state:
            return kind
    return "waiting"


def _succeeded(status: Obj) -> bool:
    return _state_kind(status) == "terminated" and (status["state"]["terminated"].get("exitCode") == 0)


def init_done(pod: Obj, init_statuses: list[Obj]) -> bool:
    """Every init container ran to completion (exit 0), in order."""
    wanted = [c.get("name") for c in (pod.get("spec") or {}).get("initContainers") or []]
    by_name = {s.get("name"): s for s in init_statuses}
    return all(name in by_name and _succeeded(by_name[name]) for name in wanted)


def pod_phase(pod: Obj, rt: PodRuntimeStatus) -> str:
    """Kubernetes' getPhase over the containers' states and the restart policy."""
    spec = pod.get("spec") or {}
    policy = spec.get("restartPolicy") or "Always"
    if not rt.exists:
        return "Pending"
    if not init_done(pod, rt.init_container_statuses):
        failed_init = any(_state_kind(s) == "terminated" and not _succeeded(s) for s in rt.init_container_statuses)
        return "Failed" if failed_init and policy == "Never" else "Pending"
    by_name = {s.get("name"): s for s in rt.container_statuses}
    running = waiting = stopped = succeeded = unknown = 0
    for container in spec.get("containers") or []:
        status = by_name.get(container.get("name"))
        if status is None:
            unknown += 1
            continue
        kind = _state_kind(status)
        if kind == "running":
            running += 1
        elif kind == "terminated":
            stopped += 1
            succeeded += _succeeded(status)
        elif (status.get("lastState") or {}).get("terminated"):
            stopped += 1  # waiting to be restarted after an exit
        else:
            waiting += 1
    if waiting or unknown:
        return "Pending"
    if running:
        return "Running"
    if policy == "Always":
        return "Running"  # everything exited; all will be restarted
    if stopped == succeeded:
        return "Succeeded"
    return "Failed" if policy == "Never" else "Running"


def _condition(kind: str, ok: bool, old: dict[str, Obj], reason: str = "", message: str = "") -> Obj:
    status = "True" if ok else "False"
    previous = old.get(kind)
    cond: Obj = {"type": kind, "status": status, "lastProbeTime": None}
    if previous is not None and previous.get("status") == status and previous.get("lastTransitionTime"):
        cond["lastTransitionTime"] = previous["lastTransitionTime"]
    else:
        cond["lastTransitionTime"] = now_rfc3339()
    if not ok and reason:
        cond["reason"] = reason
    if not ok and message:
        cond["message"] = message
    return cond


def pod_conditions(pod: Obj, rt: PodRuntimeStatus, phase: str) -> list[Obj]:
    old = {c.get("type"): c for c in (pod.get("status") or {}).get("conditions") or [] if isinstance(c, dict)}
    initialized = init_done(pod, rt.init_container_statuses)
    statuses = rt.container_statuses
    wanted = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    ready_names = {s.get("name") for s in statuses if s.get("ready")}
    not_ready = [n for n in wanted if n not in ready_names]
    finished = phase in ("Succeeded", "Failed")
    containers_ready = not not_ready and not finished
    reason = "PodCompleted" if finished else "ContainersNotReady"
    message = "" if finished else f"containers with unready status: [{' '.join(str(n) for n in not_ready)}]"
    pending_init = [c.get("name") for c in (pod.get("spec") or {}).get("initContainers") or []
                    if not any(s.get("name") == c.get("name") and _succeeded(s) for s in rt.init_container_statuses)]
    conds = [
        _condition("PodReadyToStartContainers", rt.exists and not finished, old),
        _condition("Initialized", initialized, old, "ContainersNotInitialized",
                   f"containers with incomplete status: [{' '.join(str(n) for n in pending_init)}]"),
        _condition("Ready", containers_ready, old, reason, message),
        _condition("ContainersReady", containers_ready, old, reason, message),
        _condition("PodScheduled", True, old),
    ]
    if finished:  # Initialized stays True for a pod whose init containers completed
        conds[1] = _condition("Initialized", initialized, old, "PodCompleted")
    return conds


def build_pod_status(pod: Obj, rt: PodRuntimeStatus, sandbox: PodSandbox) -> Obj:
    """The status the agent wants the API to show (a merge patch body's `status`)."""
    phase = pod_phase(pod, rt)
    old = pod.get("status") or {}
    status: Obj = {
        "phase": phase,
        "conditions": pod_conditions(pod, rt, phase),
        "hostIP": sandbox.host_ip,
        "hostIPs": [{"ip": sandbox.host_ip}],
        "startTime": old.get("startTime") or now_rfc3339(),
    }
    if sandbox.pod_ip:
        status["podIP"] = sandbox.pod_ip
        status["podIPs"] = [{"ip": sandbox.pod_ip}]
    status["containerStatuses"] = rt.container_statuses
    if (pod.get("spec") or {}).get("initContainers"):
        status["initContainerStatuses"] = rt.init_container_statuses
    if rt.message:
        status["message"] = rt.message
    return status


def status_differs(current: Obj, wanted: Obj) -> bool:
    """Whether `wanted` says anything `current` does not (so a PATCH is worth sending)."""
    return any(current.get(key) != value for key, value in wanted.items())
