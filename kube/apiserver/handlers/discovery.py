"""Discovery documents (/api, /apis, resource lists), generated once from the kind registry.

Served as plain JSON (APIVersions, APIGroupList, APIResourceList); kubectl falls
back to them from aggregated discovery. They never change while the server
runs, so they are encoded once and answered as bytes: with the closing newline
Kubernetes' JSON encoder writes (json.Encoder.Encode), since it serves them through
WriteObjectNegotiated as it does every API object.
"""

from __future__ import annotations

from typing import Any

import orjson

from kube.api import registry
from kube.api.go_json import html_safe
from kube.api.registry import KindInfo
from kube.apiserver.metrics_api import discovery as metrics_api

# subresource -> (kind, group, version, verbs) of what it serves
_SUBRESOURCES: dict[str, tuple[str | None, str | None, str | None, list[str]]] = {
    "status": (None, None, None, ["get", "patch", "update"]),
    "scale": ("Scale", "autoscaling", "v1", ["get", "patch", "update"]),
    "binding": ("Binding", "", "v1", ["create"]),
    "eviction": ("Eviction", "policy", "v1", ["create"]),
    "log": (None, None, None, ["get"]),
    "exec": ("PodExecOptions", None, None, ["create", "get"]),
    "attach": ("PodAttachOptions", None, None, ["create", "get"]),
    "portforward": ("PodPortForwardOptions", None, None, ["create", "get"]),
    "finalize": (None, None, None, ["update"]),
    "token": ("TokenRequest", "authentication.k8s.io", "v1", ["create"]),
}


def _resource(kind: KindInfo) -> dict[str, Any]:
    res: dict[str, Any] = {"name": kind.plural, "singularName": kind.singular, "namespaced": kind.namespaced,
                           "kind": kind.kind, "verbs": list(kind.verbs)}
    if kind.short_names:
        res["shortNames"] = list(kind.short_names)
    if kind.categories:
        res["categories"] = list(kind.categories)
    return res


def _subresource(kind: KindInfo, sub: str) -> dict[str, Any]:
    sub_kind, group, version, verbs = _SUBRESOURCES.get(sub, (None, None, None, ["get"]))
    res: dict[str, Any] = {"name": f"{kind.plural}/{sub}", "singularName": "", "namespaced": kind.namespaced,
                           "kind": sub_kind or kind.kind, "verbs": verbs}
    if group is not None:
        res["group"], res["version"] = group, version
    return res


def resource_list(group_version: str) -> dict[str, Any]:
    resources = []
    for kind in registry.KINDS:
        if kind.api_version != group_version:
            continue
        resources.append(_resource(kind))
        resources.extend(_subresource(kind, s) for s in kind.subresources)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def documents() -> dict[str, bytes]:
    """path -> encoded document, for every discovery path."""
    docs: dict[str, Any] = {
        "/api": {"kind": "APIVersions", "versions": ["v1"],
                 "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}]},
        "/api/v1": resource_list("v1"),
    }
    groups = registry.groups()
    docs["/apis"] = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g, vs) for g, vs in groups]}
    for g, versions in groups:
        docs[f"/apis/{g}"] = {"kind": "APIGroup", "apiVersion": "v1", **_group(g, versions)}
        for v in versions:
            docs[f"/apis/{g}/{v}"] = resource_list(f"{g}/{v}")
    metrics_api.add_documents(docs)  # metrics.k8s.io: served from the nodes, not a stored kind
    return {path: html_safe(orjson.dumps(doc, option=orjson.OPT_APPEND_NEWLINE)) for path, doc in docs.items()}
