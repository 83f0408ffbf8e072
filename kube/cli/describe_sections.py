"""What `kube describe` shows for each kind, as (label, value) lines, compact.

Each function takes the object and returns lines already indented; kinds
without a section get their spec and status as indented YAML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from kube.api.meta import Obj


def _get(obj: Any, *path: str, default: Any = None) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(part)
    return default if obj is None else obj


def pairs(mapping: Any, skip: tuple[str, ...] = ()) -> str:
    if not isinstance(mapping, dict) or not mapping:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(mapping.items()) if k not in skip) or "<none>"


TOP_WIDTH = 20  # top-level labels align across the header and the kind's section, as kubectl's do


def field_lines(rows: list[tuple[str, Any]], indent: int = 0) -> list[str]:
    width = max((len(label) for label, _ in rows), default=0) + 2
    if indent == 0:
        width = max(width, TOP_WIDTH)
    pad = " " * indent
    return [f"{pad}{(label + ':').ljust(width)}{'<none>' if value in (None, '') else value}" for label, value in rows]


def containers(spec: Obj, indent: int = 2) -> list[str]:
    lines = [f"{' ' * (indent - 2)}Containers:"]
    for c in _get(spec, "containers", default=[]):
        ports = ",".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or [])
        rows = [("Image", c.get("image")), ("Port", ports or "<none>")]
        if c.get("command"):
            rows.append(("Command", " ".join(map(str, c["command"]))))
        if c.get("args"):
            rows.append(("Args", " ".join(map(str, c["args"]))))
        env = ",".join(f"{e.get('name')}={e.get('value', '')}" for e in c.get("env") or [])
        rows.append(("Environment", env or "<none>"))
        lines.append(f"{' ' * indent}{c.get('name')}:")
        lines.extend(field_lines(rows, indent + 2))
    return lines


def conditions(status: Obj) -> list[str]:
    items = _get(status, "conditions", default=[])
    if not items:
        return []
    rows = [["Type", "Status", "Reason"], ["----", "------", "------"]]
    rows += [[str(c.get("type", "")), str(c.get("status", "")), str(c.get("reason", "") or "")] for c in items]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["Conditions:"] + ["  " + "  ".join(r[i].ljust(widths[i]) for i in range(3)).rstrip() for r in rows]


def pod(obj: Obj) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    lines = field_lines([("Node", spec.get("nodeName")), ("Status", status.get("phase")),
                         ("IP", status.get("podIP")), ("Priority", spec.get("priority", 0))])
    owners = _get(obj, "metadata", "ownerReferences", default=[])
    if owners:
        lines += field_lines([("Controlled By", f"{owners[0].get('kind')}/{owners[0].get('name')}")])
    return lines + containers(spec) + conditions(status)


def workload(obj: Obj) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    replicas = (f"{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
                f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
                f"{status.get('unavailableReplicas', 0)} unavailable")
    rows = [("Selector", pairs(_get(spec, "selector", "matchLabels"))), ("Replicas", replicas)]
    if obj.get("kind") == "Deployment":
        rows.append(("StrategyType", _get(spec, "strategy", "type", default="RollingUpdate")))
    lines = field_lines(rows)
    template = spec.get("template") or {}
    lines.append("Pod Template:")
    lines += field_lines([("Labels", pairs(_get(template, "metadata", "labels")))], 2)
    return lines + containers(template.get("spec") or {}, 4) + conditions(status)


def service(obj: Obj) -> list[str]:
    spec = obj.get("spec") or {}
    rows: list[tuple[str, Any]] = [("Selector", pairs(spec.get("selector"))), ("Type", spec.get("type", "ClusterIP")),
                                   ("IP", spec.get("clusterIP"))]
    for p in spec.get("ports") or []:
        label = p.get("name") or "<unset>"
        rows.append(("Port", f"{label}  {p.get('port')}/{p.get('protocol', 'TCP')}"))
        rows.append(("TargetPort", f"{p.get('targetPort', p.get('port'))}/{p.get('protocol', 'TCP')}"))
        if p.get("nodePort"):
            rows.append(("NodePort", f"{label}  {p.get('nodePort')}/{p.get('protocol', 'TCP')}"))
    return field_lines(rows)


def node(obj: Obj) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    taints = ",".join(f"{t.get('key')}={t.get('value', '')}:{t.get('effect')}" for t in spec.get("taints") or [])
    addresses = ",".join(f"{a.get('type')}={a.get('address')}" for a in status.get("addresses") or [])
    lines = field_lines([("Taints", taints or "<none>"), ("Unschedulable", str(bool(spec.get("unschedulable"))).lower()),
                         ("PodCIDR", spec.get("podCIDR")), ("Addresses", addresses or "<none>"),
                         ("Capacity", pairs(status.get("capacity"))),
                         ("Allocatable", pairs(status.get("allocatable")))])
    return lines + conditions(status)


def generic(obj: Obj) -> list[str]:
    lines: list[str] = []
    for section in ("spec", "data", "status"):
        value = obj.get(section)
        if value:
            lines.append(f"{section.capitalize()}:")
            text = yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n")
            lines += ["  " + line for line in text.splitlines()]
    return lines


SECTIONS: dict[str, Callable[[Obj], list[str]]] = {
    "Pod": pod, "Deployment": workload, "ReplicaSet": workload, "Service": service, "Node": node,
}
