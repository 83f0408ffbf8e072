"""Defaults for the remaining core kinds: Namespace, Node, Secret, Event."""

from __future__ import annotations

import copy
from typing import Any

from kube.api.defaults.setters import child_dict, default_pointer, default_string

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def default_namespace(namespace: dict[str, Any]) -> None:
    """Finalizer `kubernetes`, phase Active, and the immutable name label (Kubernetes >= 1.21)."""
    spec = child_dict(namespace, "spec", create=True)
    if spec is not None:
        default_pointer(spec, "finalizers", ["kubernetes"])
    status = child_dict(namespace, "status", create=True)
    if status is not None:
        default_string(status, "phase", "Active")
    meta = child_dict(namespace, "metadata")
    if meta is not None and isinstance(meta.get("name"), str) and meta["name"]:
        labels = child_dict(meta, "labels", create=True)
        if labels is not None:
            labels[NAMESPACE_NAME_LABEL] = meta["name"]


def default_node(node: dict[str, Any]) -> None:
    """Allocatable defaults to capacity (SetDefaults_NodeStatus)."""
    status = child_dict(node, "status")
    if status is None:
        return
    capacity = child_dict(status, "capacity")
    if capacity is not None and status.get("allocatable") is None:
        status["allocatable"] = copy.deepcopy(capacity)


def default_secret(secret: dict[str, Any]) -> None:
    default_string(secret, "type", "Opaque")


def default_event(event: dict[str, Any]) -> None:
    """Type Normal and count 1 when the reporter left them out (as kubectl prints them)."""
    default_string(event, "type", "Normal")
    default_pointer(event, "count", 1)
