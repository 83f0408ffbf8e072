"""Writes into a namespace need it to exist and not to be terminating (as Kubernetes'
NamespaceLifecycle admission): 404 for a missing one, 403 for one being deleted."""

from __future__ import annotations

from kube.api.errors import StatusError, not_found
from kube.api.registry import KindInfo, by_gvk
from kube.apiserver.state import ServerState

NAMESPACE = by_gvk("", "v1", "Namespace")


async def check_writable(state: ServerState, kind: KindInfo, namespace: str, name: str) -> None:
    if not kind.namespaced or NAMESPACE is None:
        return
    ns = state.cache.caches[NAMESPACE].objects.get(NAMESPACE.key(None, namespace))
    if ns is None:  # the cache may lag a namespace created a moment ago: ask the store
        ns = await state.objects.get(NAMESPACE, "", namespace)
    if ns is None:
        raise not_found("namespaces", namespace)
    if ns["metadata"].get("deletionTimestamp") or (ns.get("status") or {}).get("phase") == "Terminating":
        resource = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
        raise StatusError(403, "Forbidden",
                          f'{resource} "{name}" is forbidden: unable to create new content in namespace '
                          f"{namespace} because it is being terminated",
                          {"name": name, "kind": kind.plural,
                           "causes": [{"reason": "NamespaceTerminating",
                                       "message": f"namespace {namespace} is being terminated",
                                       "field": "metadata.namespace"}]})
