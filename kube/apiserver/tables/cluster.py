"""Cluster-level tables: nodes and namespaces (printNode, printNamespace)."""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, items, meta, section

NODE_COLUMNS = (
    NAME,
    Column("Status", description="The status of the node"),
    Column("Roles", description="The roles of the node"),
    AGE,
    Column("Version", description="Kubelet Version reported by the node."),
    Column("Internal-IP", priority=1, description="List of addresses reachable to the node."),
    Column("External-IP", priority=1, description="List of addresses reachable to the node."),
    Column("OS-Image", priority=1, description="OS Image reported by the node from /etc/os-release."),
    Column("Kernel-Version", priority=1, description="Kernel Version reported by the node from 'uname -r'."),
    Column("Container-Runtime", priority=1, description="Container runtime version reported by the node."),
)

NAMESPACE_COLUMNS = (
    NAME,
    Column("Status", description="The status of the namespace"),
    AGE,
)

_ROLE_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


def node_status(node: Obj) -> str:
    """`Ready`, `NotReady`, `Unknown`, plus `,SchedulingDisabled` when cordoned."""
    words = []
    for cond in items(section(node, "status").get("conditions")):
        if cond.get("type") == "Ready":
            words = ["Ready" if cond.get("status") == "True" else "NotReady"]
            break
    if not words:
        words = ["Unknown"]
    if section(node, "spec").get("unschedulable") is True:
        words.append("SchedulingDisabled")
    return ",".join(words)


def node_roles(node: Obj) -> str:
    roles = set()
    labels = meta(node).get("labels")
    for key, value in (labels if isinstance(labels, dict) else {}).items():
        if key.startswith(_ROLE_PREFIX) and key[len(_ROLE_PREFIX):]:
            roles.add(key[len(_ROLE_PREFIX):])
        elif key == _ROLE_LABEL and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) if roles else "<none>"


def _address(status: dict[str, Any], kind: str) -> str:
    for addr in items(status.get("addresses")):
        if addr.get("type") == kind and addr.get("address"):
            return str(addr["address"])
    return "<none>"


def _node_row(node: Obj, now: float) -> list[Cell]:
    status = section(node, "status")
    info = section(status, "nodeInfo")
    return [
        meta(node).get("name", ""),
        node_status(node),
        node_roles(node),
        age_since(meta(node).get("creationTimestamp"), now),
        info.get("kubeletVersion") or "",
        _address(status, "InternalIP"),
        _address(status, "ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _namespace_row(ns: Obj, now: float) -> list[Cell]:
    return [meta(ns).get("name", ""), section(ns, "status").get("phase") or "Active",
            age_since(meta(ns).get("creationTimestamp"), now)]


PRINTERS = {
    ("", "Node"): Printer(NODE_COLUMNS, _node_row),
    ("", "Namespace"): Printer(NAMESPACE_COLUMNS, _namespace_row),
}
