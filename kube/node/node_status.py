"""The Node object an agent registers and the status it reports (pure functions).

As the kubelet does, status goes to the API only when something in it changed
(heartbeat times aside) or when the last report is older than the refresh period:
with Leases carrying liveness, node status writes stay rare at any cluster size.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from kube import __version__
from kube.api.meta import Obj, now_rfc3339
from kube.node.node_config import NodeConfig

STATUS_REFRESH_SECONDS = 300.0
_VOLATILE = ("lastHeartbeatTime", "lastTransitionTime")


@dataclass(frozen=True)
class HostInfo:
    """What nodeInfo says about the host and runtime."""

    runtime_version: str
    os_image: str = "Debian GNU/Linux"
    kernel_version: str = platform.release()
    architecture: str = "amd64"
    boot_id: str = ""
    machine_id: str = ""


def _conditions(pressure: dict[str, bool] | None = None) -> list[Obj]:
    now = now_rfc3339()
    pressure = pressure or {}
    rows = [
        ("MemoryPressure", pressure.get("MemoryPressure", False), "KubeletHasSufficientMemory",
         "KubeletHasInsufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", pressure.get("DiskPressure", False), "KubeletHasNoDiskPressure", "KubeletHasDiskPressure",
         "kubelet has no disk pressure"),
        ("PIDPressure", pressure.get("PIDPressure", False), "KubeletHasSufficientPID", "KubeletHasInsufficientPID",
         "kubelet has sufficient PID available"),
    ]
    conds = [{"type": t, "status": "True" if on else "False", "reason": bad if on else ok,
              "message": msg if not on else f"kubelet has {t}", "lastHeartbeatTime": now,
              "lastTransitionTime": now} for t, on, ok, bad, msg in rows]
    conds.append({"type": "Ready", "status": "True", "reason": "KubeletReady",
                  "message": "kubelet is posting ready status", "lastHeartbeatTime": now, "lastTransitionTime": now})
    return conds


def desired_status(config: NodeConfig, capacity: Obj, host: HostInfo, images: list[Obj],
                   pressure: dict[str, bool] | None = None) -> Obj:
    """The whole status this agent means the Node to show."""
    cap = {**capacity, "pods": str(config.max_pods)}
    return {
        "capacity": cap,
        "allocatable": dict(cap),
        "conditions": _conditions(pressure),
        "addresses": [{"type": "InternalIP", "address": config.node_ip}, {"type": "Hostname", "address": config.name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": config.kubelet_port}},
        "nodeInfo": {
            "machineID": host.machine_id, "systemUUID": host.machine_id, "bootID": host.boot_id,
            "kernelVersion": host.kernel_version, "osImage": host.os_image,
            "containerRuntimeVersion": host.runtime_version, "kubeletVersion": f"v{__version__}",
            "kubeProxyVersion": f"v{__version__}", "operatingSystem": "linux", "architecture": host.architecture,
        },
        "images": images,
    }


def new_node(config: NodeConfig, status: Obj) -> Obj:
    """The Node to create when this agent registers for the first time."""
    spec: Obj = {}
    if config.taints:
        spec["taints"] = [dict(t) for t in config.taints]
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": config.name, "labels": config.node_labels(),
                         "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
            "spec": spec, "status": status}


def labels_patch(config: NodeConfig, node: Obj) -> Obj | None:
    """A merge patch restoring the labels this agent owns, when the Node lacks them (re-registration)."""
    have = (node.get("metadata") or {}).get("labels") or {}
    missing = {k: v for k, v in config.node_labels().items() if have.get(k) != v}
    return {"metadata": {"labels": missing}} if missing else None


def _stable(status: Obj) -> Obj:
    out = dict(status)
    out["conditions"] = sorted(({k: v for k, v in c.items() if k not in _VOLATILE}
                                for c in status.get("conditions") or []), key=lambda c: str(c.get("type")))
    return out


def status_changed(reported: Obj, wanted: Obj) -> bool:
    """Does the API's status differ from what the agent wants, heartbeat times aside?
    (A node lifecycle controller that marked the node Unknown counts as a difference.)"""
    have, want = _stable(reported), _stable(wanted)
    return any(have.get(k) != v for k, v in want.items())


def keep_transition_times(reported: Obj, wanted: Obj) -> Obj:
    """Carry lastTransitionTime over for conditions whose status did not change."""
    before = {c.get("type"): c for c in reported.get("conditions") or []}
    for cond in wanted.get("conditions") or []:
        old = before.get(cond.get("type"))
        if old is not None and old.get("status") == cond.get("status") and old.get("lastTransitionTime"):
            cond["lastTransitionTime"] = old["lastTransitionTime"]
    return wanted
