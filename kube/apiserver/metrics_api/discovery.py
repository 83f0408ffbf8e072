"""Discovery for metrics.k8s.io/v1beta1: the group in /apis and its resource list, as
metrics-server registers them (nodes cluster-scoped, pods namespaced; get and list)."""

from __future__ import annotations

from typing import Any

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
GROUP_VERSION = f"{GROUP}/{VERSION}"
PREFIX = f"/apis/{GROUP_VERSION}/"


def add_documents(docs: dict[str, Any]) -> None:
    """Add the group to /apis and its own documents (docs: path -> document)."""
    version = {"groupVersion": GROUP_VERSION, "version": VERSION}
    group = {"name": GROUP, "versions": [version], "preferredVersion": version}
    docs["/apis"]["groups"].append(group)
    docs[f"/apis/{GROUP}"] = {"kind": "APIGroup", "apiVersion": "v1", **group}
    docs[f"/apis/{GROUP_VERSION}"] = {
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": GROUP_VERSION,
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
        ]}
