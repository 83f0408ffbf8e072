"""The pods table: the STATUS reason and RESTARTS exactly as kubectl derives them.

Follows printPod in Kubernetes' pkg/printers/internalversion: init container
progress (`Init:1/2`), the last waiting/terminated reason of the containers
(`ContainerCreating`, `CrashLoopBackOff`, `Completed`), `Terminating` once a
deletionTimestamp is set, and restarts with the age of the last one.
"""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since, human_duration, parse_timestamp
from kube.api.meta import Obj
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, as_int, items, meta, section

COLUMNS = (
    NAME,
    Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
    Column("Status", description="The aggregate status of the containers in this pod."),
    Column("Restarts", description="The number of times the containers in this pod have been restarted "
           "and when the last container in this pod has restarted."),
    AGE,
    Column("IP", priority=1, description="IP address allocated to the pod. Routable at least within the cluster."),
    Column("Node", priority=1, description="NodeName is a request to schedule this pod onto a specific node."),
    Column("Nominated Node", priority=1, description="nominatedNodeName is set only when this pod preempts "
           "other pods on the node."),
    Column("Readiness Gates", priority=1, description="If specified, all readiness gates will be evaluated "
           "for pod readiness."),
)

_NODE_UNREACHABLE_REASON = "NodeLost"


def _restartable_init(container: dict[str, Any] | None) -> bool:
    return bool(container) and container.get("restartPolicy") == "Always"  # type: ignore[union-attr]


def _terminated_reason(term: dict[str, Any], prefix: str = "") -> str:
    if term.get("reason"):
        return prefix + str(term["reason"])
    if as_int(term.get("signal")):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{as_int(term.get('exitCode'))}"


def _condition_true(status: dict[str, Any], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in items(status.get("conditions")))


class _Restarts:
    """Restart count and the newest restart time, over a set of container statuses."""

    def __init__(self) -> None:
        self.count = 0
        self.last: float | None = None

    def add(self, status: dict[str, Any]) -> None:
        self.count += as_int(status.get("restartCount"))
        finished = parse_timestamp(section(section(status, "lastState"), "terminated").get("finishedAt"))
        if finished is not None and (self.last is None or finished > self.last):
            self.last = finished


def pod_status_reason(pod: Obj) -> tuple[str, int, int, int, float | None]:
    """(STATUS reason, ready containers, total containers, restarts, last restart time)."""
    spec, status = section(pod, "spec"), section(pod, "status")
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or phase or "Pending")
    for cond in items(status.get("conditions")):
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = {str(c.get("name")): c for c in items(spec.get("initContainers"))}
    total = len(items(spec.get("containers"))) + sum(1 for c in init_specs.values() if _restartable_init(c))
    ready = 0
    all_restarts, sidecar_restarts = _Restarts(), _Restarts()

    initializing = False
    init_statuses = items(status.get("initContainerStatuses"))
    for i, cs in enumerate(init_statuses):
        all_restarts.add(cs)
        restartable = _restartable_init(init_specs.get(str(cs.get("name"))))
        if restartable:
            sidecar_restarts.add(cs)
        state = section(cs, "state")
        term, waiting = section(state, "terminated"), section(state, "waiting")
        if term and as_int(term.get("exitCode")) == 0:
            continue
        if restartable and cs.get("started") is True:
            ready += 1 if cs.get("ready") is True else 0
            continue
        if term:
            reason = _terminated_reason(term, "Init:")
        elif waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    restarts = all_restarts
    if not initializing or _condition_true(status, "Initialized"):
        restarts = sidecar_restarts
        has_running = False
        for cs in reversed(items(status.get("containerStatuses"))):
            restarts.add(cs)
            state = section(cs, "state")
            term, waiting = section(state, "terminated"), section(state, "waiting")
            if waiting.get("reason"):
                reason = str(waiting["reason"])
            elif term:
                reason = _terminated_reason(term)
            elif cs.get("ready") is True and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    if meta(pod).get("deletionTimestamp"):
        if status.get("reason") == _NODE_UNREACHABLE_REASON:
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, total, restarts.count, restarts.last


def _row(pod: Obj, now: float) -> list[Cell]:
    spec, status = section(pod, "spec"), section(pod, "status")
    reason, ready, total, restarts, last = pod_status_reason(pod)
    restart_text = str(restarts)
    if restarts and last is not None:
        restart_text = f"{restarts} ({human_duration(now - last)} ago)"
    pod_ips = items(status.get("podIPs"))
    ip = str(pod_ips[0].get("ip") or "") if pod_ips else str(status.get("podIP") or "")
    gates = items(spec.get("readinessGates"))
    gates_text = "<none>"
    if gates:
        conds = {c.get("type"): c.get("status") for c in items(status.get("conditions"))}
        true = sum(1 for g in gates if conds.get(g.get("conditionType")) == "True")
        gates_text = f"{true}/{len(gates)}"
    return [
        meta(pod).get("name", ""), f"{ready}/{total}", reason, restart_text,
        age_since(meta(pod).get("creationTimestamp"), now),
        ip or "<none>", spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gates_text,
    ]


def _conditions(pod: Obj) -> list[dict[str, Any]]:
    """Row conditions Kubernetes sets on finished pods (kubectl may dim them)."""
    phase = section(pod, "status").get("phase")
    if phase in ("Succeeded", "Failed"):
        return [{"type": "Completed", "status": "True", "reason": str(phase),
                 "message": "The pod has completed successfully." if phase == "Succeeded"
                 else "The pod failed."}]
    return []


PRINTERS = {("", "Pod"): Printer(COLUMNS, _row, _conditions)}
