"""One node's identity and settings, parsed from the `kube node` flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube.api.validation.names import (
    dns1123_subdomain_problems,
    label_value_problems,
    qualified_name_problems,
)

HOSTNAME_LABEL = "kubernetes.io/hostname"
ZONE_LABEL = "topology.kubernetes.io/zone"
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
DEFAULT_MAX_PODS = 110


@dataclass
class NodeConfig:
    name: str
    zone: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict[str, Any]] = field(default_factory=list)
    max_pods: int = DEFAULT_MAX_PODS
    node_ip: str = "127.0.0.1"
    kubelet_port: int = 0  # the log server's port (status.daemonEndpoints), 0 when none
    root_dir: str = ""

    def node_labels(self) -> dict[str, str]:
        labels = {HOSTNAME_LABEL: self.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
        if self.zone:
            labels[ZONE_LABEL] = self.zone
        labels.update(self.labels)
        return labels


def parse_labels(text: str, flag: str = "--node-labels") -> dict[str, str]:
    """`k=v,k2=v2` (as kubelet's --node-labels); a clear error names the bad pair."""
    labels: dict[str, str] = {}
    for item in (p.strip() for p in (text or "").split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        problems = qualified_name_problems(key) + label_value_problems(value) if sep and key else []
        if not sep or not key or problems:
            detail = "; ".join(problems) or "expected key=value"
            raise ValueError(f"{flag}: invalid label {item!r}: {detail}")
        labels[key] = value
    return labels


def parse_taints(text: str) -> list[dict[str, Any]]:
    """`key=value:Effect,key:Effect` (as kubelet's --register-with-taints)."""
    taints: list[dict[str, Any]] = []
    for item in (p.strip() for p in (text or "").split(",")):
        if not item:
            continue
        head, sep, effect = item.rpartition(":")
        if not sep or effect not in TAINT_EFFECTS:
            raise ValueError(f"--register-with-taints: {item!r} needs an effect, one of {', '.join(TAINT_EFFECTS)}")
        key, _, value = head.partition("=")
        if not key:
            raise ValueError(f"--register-with-taints: {item!r} has no key")
        taint: dict[str, Any] = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


def node_name_problem(name: str) -> str:
    """Why `name` cannot name a Node ("" when it can)."""
    problems = dns1123_subdomain_problems(name) if name else ["may not be empty"]
    return f"invalid node name {name!r}: {'; '.join(problems)}" if problems else ""
