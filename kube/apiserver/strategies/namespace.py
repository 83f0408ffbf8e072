"""Namespaces: finalized by the namespace controller, and closed to new content while terminating.

A namespace is created Active with the `kubernetes` finalizer in spec.finalizers;
a delete only marks it Terminating, the namespace controller empties it and
clears spec.finalizers through /finalize (a PUT of the main resource keeps the
spec), and the write that clears the last one removes it.

`check_writable` is Kubernetes' NamespaceLifecycle admission: writes into a
namespace need it to exist (404) and not to be terminating (403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from kube.api.errors import StatusError, not_found
from kube.api.meta import Obj
from kube.api.registry import KindInfo, by_gvk
from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState

NAMESPACE = by_gvk("", "v1", "Namespace")
FINALIZER = "kubernetes"


def _spec_finalizers(obj: Obj) -> list[str]:
    spec = obj.get("spec")
    return list(spec.get("finalizers") or []) if isinstance(spec, dict) else []


class NamespaceStrategy(Strategy):
    returns_deleted_object: ClassVar[bool] = True
    initial_status: ClassVar[Obj | None] = {"phase": "Active"}

    def prepare_create(self, obj: Obj) -> None:
        super().prepare_create(obj)
        spec = obj.setdefault("spec", {})
        if isinstance(spec, dict):
            spec.setdefault("finalizers", [FINALIZER])

    def prepare_update(self, new: Obj, old: Obj) -> None:
        if "spec" in old:
            new["spec"] = old["spec"]  # spec.finalizers change only through /finalize

    def waits_before_removal(self, obj: Obj) -> bool:
        return bool(_spec_finalizers(obj))

    def on_deletion_marked(self, obj: Obj) -> None:
        obj.setdefault("status", {})["phase"] = "Terminating"


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
