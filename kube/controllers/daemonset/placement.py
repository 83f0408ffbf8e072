"""Which nodes a DaemonSet's pod belongs on, and the pod it gets there.

As Kubernetes (pkg/controller/daemon/util, NodeShouldRunDaemonPod): the pod the controller
would create is judged against each node, so the default tolerations it adds count:
- should run: the nodeSelector and required node affinity match, and every NoSchedule or
  NoExecute taint is tolerated;
- should continue running: the same, except NoSchedule taints (a pod already there stays).
Since 1.12 the pod is not bound by the controller: it gets a required node affinity on
`metadata.name` and the scheduler places it.
"""

from __future__ import annotations

import copy
from typing import Any

from kube.api.meta import Obj
from kube.api.tolerations import (
    EXISTS,
    NO_EXECUTE,
    NO_SCHEDULE,
    NOT_READY,
    UNREACHABLE,
    UNSCHEDULABLE,
    taint_fields,
    tolerates_fields,
    toleration_fields,
)

NAME_FIELD = "metadata.name"
DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
PID_PRESSURE = "node.kubernetes.io/pid-pressure"
NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"

# AddOrUpdateDaemonPodTolerations: (key, effect); all operator Exists, no tolerationSeconds
DEFAULT_TOLERATIONS = ((NOT_READY, NO_EXECUTE), (UNREACHABLE, NO_EXECUTE), (DISK_PRESSURE, NO_SCHEDULE),
                       (MEMORY_PRESSURE, NO_SCHEDULE), (PID_PRESSURE, NO_SCHEDULE), (UNSCHEDULABLE, NO_SCHEDULE))


def with_default_tolerations(pod_spec: Obj) -> list[dict[str, Any]]:
    """The pod's tolerations plus the DaemonSet defaults it lacks (host-network pods also
    tolerate network-unavailable)."""
    tolerations = [t for t in pod_spec.get("tolerations") or [] if isinstance(t, dict)]
    wanted = list(DEFAULT_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append((NETWORK_UNAVAILABLE, NO_SCHEDULE))
    for key, effect in wanted:
        if not any(t.get("key") == key and t.get("effect") == effect and t.get("operator") == EXISTS
                   for t in tolerations):
            tolerations.append({"key": key, "operator": EXISTS, "effect": effect})
    return tolerations


def pin_to_node(pod_spec: Obj, node_name: str) -> None:
    """Replace the pod's required node affinity with `metadata.name In [node]`
    (ReplaceDaemonSetPodNodeNameNodeAffinity); the rest of its affinity stays."""
    affinity = pod_spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": NAME_FIELD, "operator": "In", "values": [node_name]}]}]}


def target_node(pod: Obj) -> str | None:
    """The node a daemon pod is for: its nodeName, or the name its affinity pins it to (GetTargetNodeName)."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for field in (term or {}).get("matchFields") or []:
            if field.get("key") == NAME_FIELD and field.get("operator") == "In" and len(field.get("values") or []) == 1:
                return str(field["values"][0])
    return None


def _requirement_matches(req: dict[str, Any], value: str | None) -> bool:
    op, values = req.get("operator"), [str(v) for v in req.get("values") or []]
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            have, bound = int(value), int(values[0])
        except ValueError:
            return False
        return have > bound if op == "Gt" else have < bound
    return False


def _term_matches(term: dict[str, Any], node: Obj) -> bool:
    exprs, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not exprs and not fields:
        return False  # an empty term matches nothing
    labels = (node.get("metadata") or {}).get("labels") or {}
    name = (node.get("metadata") or {}).get("name")
    return (all(_requirement_matches(e, labels.get(e.get("key"))) for e in exprs)
            and all(f.get("key") == NAME_FIELD and _requirement_matches(f, name) for f in fields))


def fits_affinity(pod_spec: Obj, node: Obj) -> bool:
    """nodeSelector and required node affinity (terms ORed, requirements ANDed)."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    selector = pod_spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return False
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        return True
    return any(_term_matches(t, node) for t in required.get("nodeSelectorTerms") or [] if isinstance(t, dict))


def should_run(pod_spec: Obj, node: Obj) -> tuple[bool, bool]:
    """(should run, should continue running) for a pod spec already carrying the default tolerations."""
    if pod_spec.get("nodeName") and pod_spec["nodeName"] != (node.get("metadata") or {}).get("name"):
        return False, False
    if not fits_affinity(pod_spec, node):
        return False, False
    tolerations = [toleration_fields(t) for t in pod_spec.get("tolerations") or [] if isinstance(t, dict)]
    run = keep = True
    for taint in (node.get("spec") or {}).get("taints") or []:
        fields = taint_fields(taint)
        if fields[2] not in (NO_SCHEDULE, NO_EXECUTE) or any(tolerates_fields(t, fields) for t in tolerations):
            continue
        run = False
        if fields[2] == NO_EXECUTE:
            keep = False
    return run, keep


def daemon_pod_spec(template: Obj) -> Obj:
    """The template's pod spec as the controller judges nodes with it (default tolerations added)."""
    spec = copy.deepcopy(template.get("spec") or {})
    spec["tolerations"] = with_default_tolerations(spec)
    return spec
