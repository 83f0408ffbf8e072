"""The ServiceAccount controller: a `default` ServiceAccount in every namespace, as
Kubernetes' `pkg/controller/serviceaccount/serviceaccounts_controller.go`.

Woken by a namespace appearing (or changing) and by a `default` account being deleted,
so a deleted one comes back at once. A terminating namespace gets none: it would only be
deleted again. The informer on ServiceAccounts is narrowed to the name `default`.
"""

from __future__ import annotations

from collections.abc import Hashable

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.controllers.actions import NAMESPACE, Action, Create
from kube.controllers.loop import ControllerLoop, final_state, obj_key

SERVICEACCOUNT = by_gvk("", "v1", "ServiceAccount")
assert SERVICEACCOUNT is not None
DEFAULT_NAME = "default"


def reconcile_service_accounts(ns: Obj | None, existing: set[str]) -> list[Action]:
    """The accounts a namespace lacks (only `default`), unless it is gone or terminating."""
    if ns is None or (ns.get("metadata") or {}).get("deletionTimestamp") \
            or (ns.get("status") or {}).get("phase") == "Terminating":
        return []
    name = ns["metadata"]["name"]
    if DEFAULT_NAME in existing:
        return []
    return [Create(SERVICEACCOUNT, {"apiVersion": "v1", "kind": "ServiceAccount",
                                    "metadata": {"name": DEFAULT_NAME, "namespace": name}})]


class ServiceAccountsController(ControllerLoop):
    name = "serviceaccount"

    def setup(self) -> None:
        self.namespaces = self.ctx.factory.informer_for(NAMESPACE)
        self.accounts = self.ctx.factory.informer_for(SERVICEACCOUNT, field_selector=f"metadata.name={DEFAULT_NAME}")
        self.namespaces.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)))
        self.accounts.add_handler(on_delete=lambda o: self.enqueue(
            str((final_state(o).get("metadata") or {}).get("namespace", ""))))

    async def sync(self, key: Hashable) -> float | None:
        ns = self.namespaces.store.get(str(key))
        existing = {DEFAULT_NAME} if self.accounts.store.get(f"{key}/{DEFAULT_NAME}") is not None else set()
        await self.ctx.executor.run(reconcile_service_accounts(ns, existing), f"serviceaccounts {key}")
        return None
