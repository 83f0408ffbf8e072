"""The `node.kubernetes.io/disk-pressure:NoSchedule` taint follows the Node's DiskPressure
condition (pure). In Kubernetes the node lifecycle controller taints by condition; here
the agent that judges the pressure sets and clears the taint itself, so the scheduler
stops placing pods on a full node without another controller involved."""

from __future__ import annotations

from kube.api.meta import Obj

DISK_PRESSURE_TAINT = "node.kubernetes.io/disk-pressure"


def disk_taint_patch(node: Obj, pressure: bool) -> Obj | None:
    """A merge patch (guarded by resourceVersion) making the taint match `pressure`; None if it does."""
    taints = [t for t in (node.get("spec") or {}).get("taints") or [] if isinstance(t, dict)]
    if any(t.get("key") == DISK_PRESSURE_TAINT for t in taints) == pressure:
        return None
    kept = [t for t in taints if t.get("key") != DISK_PRESSURE_TAINT]
    if pressure:
        kept.append({"key": DISK_PRESSURE_TAINT, "effect": "NoSchedule"})
    version = (node.get("metadata") or {}).get("resourceVersion")
    return {"metadata": {"resourceVersion": version} if version else {}, "spec": {"taints": kept}}
