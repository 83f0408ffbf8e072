"""The bootstrap policy: bootstrap_policy.yaml turned into the RBAC objects Kubernetes ships.

The YAML is compact (a binding names its role and subjects; a controller's binding is one
line); here it becomes real ClusterRoles, ClusterRoleBindings, Roles and RoleBindings with
the labels and annotations Kubernetes gives them, so `kubectl get clusterroles` reads as on
a kubeadm cluster.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

from kube.api.meta import Obj

GROUP = "rbac.authorization.k8s.io"
API_VERSION = f"{GROUP}/v1"
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
CONTROLLER_MANAGER_USER = "system:kube-controller-manager"


def _meta(name: str, namespace: str = "", labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {**BOOTSTRAP_LABELS, **(labels or {})},
                            "annotations": {AUTOUPDATE: "true"}}
    if namespace:
        meta["namespace"] = namespace
    return meta


def _subjects(entry: dict[str, Any]) -> list[Obj]:
    subjects: list[Obj] = [{"apiGroup": GROUP, "kind": "Group", "name": g} for g in entry.get("groups", ())]
    subjects += [{"apiGroup": GROUP, "kind": "User", "name": u} for u in entry.get("users", ())]
    for sa in entry.get("serviceAccounts", ()):
        ns, _, name = sa.partition(":")
        subjects.append({"kind": "ServiceAccount", "name": name, "namespace": ns})
    return subjects


def _role(kind: str, entry: dict[str, Any]) -> Obj:
    obj: Obj = {"apiVersion": API_VERSION, "kind": kind,
                "metadata": _meta(entry["name"], entry.get("namespace", ""), entry.get("labels"))}
    if "aggregationRule" in entry:
        obj["aggregationRule"] = entry["aggregationRule"]
        obj["rules"] = []
    else:
        obj["rules"] = entry.get("rules", [])
    return obj


def _binding(kind: str, entry: dict[str, Any]) -> Obj:
    if "controller" in entry:
        name = f"system:controller:{entry['controller']}"
        entry = {"name": name, "role": name, "users": [CONTROLLER_MANAGER_USER],
                 "serviceAccounts": [f"kube-system:{entry['controller']}"]}
    role_kind = "ClusterRole" if kind == "ClusterRoleBinding" else "Role"
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": _meta(entry["name"], entry.get("namespace", "")),
            "roleRef": {"apiGroup": GROUP, "kind": role_kind, "name": entry["role"]},
            "subjects": _subjects(entry)}


@functools.cache
def _document() -> dict[str, Any]:
    text = resources.files("kube.apiserver.rbac").joinpath("bootstrap_policy.yaml").read_text()
    return yaml.safe_load(text)


def bootstrap_objects() -> list[Obj]:
    """Every bootstrap object, roles before the bindings that name them (fresh copies)."""
    doc = _document()
    return ([_role("ClusterRole", e) for e in doc["clusterRoles"]]
            + [_binding("ClusterRoleBinding", e) for e in doc["clusterRoleBindings"]]
            + [_role("Role", e) for e in doc.get("roles", ())]
            + [_binding("RoleBinding", e) for e in doc.get("roleBindings", ())])


def bootstrap_cluster_role(name: str) -> Obj:
    """One bootstrap ClusterRole by name (the Node authorizer reads system:node's rules from here)."""
    for entry in _document()["clusterRoles"]:
        if entry["name"] == name:
            return _role("ClusterRole", entry)
    raise KeyError(name)
