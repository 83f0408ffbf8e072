"""REST paths for a kind, as the Kubernetes API lays them out."""

from __future__ import annotations

from urllib.parse import quote

from kube.api.registry import KindInfo


def collection_path(kind: KindInfo, namespace: str | None = None) -> str:
    """/api/v1/namespaces/NS/pods, or /apis/apps/v1/deployments across all namespaces."""
    root = f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"
    if kind.namespaced and namespace:
        return f"{root}/namespaces/{quote(namespace, safe='')}/{kind.plural}"
    return f"{root}/{kind.plural}"


def object_path(kind: KindInfo, namespace: str | None, name: str, subresource: str | None = None) -> str:
    if not name:
        raise ValueError(f"a {kind.kind} needs a name")
    path = f"{collection_path(kind, namespace)}/{quote(name, safe='')}"
    return f"{path}/{subresource}" if subresource else path
