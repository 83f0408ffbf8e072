"""The root CA publisher: the `kube-root-ca.crt` ConfigMap in every namespace, holding the
CA that signed the API server's certificate, as Kubernetes' `pkg/controller/certificates/rootcacertpublisher`.

Pods read it through their API access volume (`ca.crt`) to verify the API server. The CA
is the one this process trusts for the API server (its kubeconfig's certificate-authority,
which is Kubernetes' fallback when no --root-ca-file is given); without one the controller
publishes nothing. A ConfigMap changed or deleted by someone is put back.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.controllers.actions import NAMESPACE, Action, Create, Update
from kube.controllers.loop import ControllerLoop, final_state, obj_key

CONFIGMAP = by_gvk("", "v1", "ConfigMap")
assert CONFIGMAP is not None
NAME = "kube-root-ca.crt"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
               "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
               "distributions of Kubernetes clusters.")


def reconcile_root_ca(ns: Obj | None, current: Obj | None, ca_pem: str) -> list[Action]:
    """Create the ConfigMap, or put its `ca.crt` and description back; nothing for a terminating namespace."""
    if ns is None or not ca_pem or (ns.get("metadata") or {}).get("deletionTimestamp"):
        return []
    if current is None:
        return [Create(CONFIGMAP, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": NAME, "namespace": ns["metadata"]["name"],
            "annotations": {"kubernetes.io/description": DESCRIPTION}}, "data": {"ca.crt": ca_pem}})]
    annotations = (current.get("metadata") or {}).get("annotations") or {}
    if current.get("data") == {"ca.crt": ca_pem} and annotations.get("kubernetes.io/description") == DESCRIPTION:
        return []
    fixed = copy.deepcopy(current)
    fixed["data"] = {"ca.crt": ca_pem}
    fixed["metadata"].setdefault("annotations", {})["kubernetes.io/description"] = DESCRIPTION
    return [Update(CONFIGMAP, fixed)]


class RootCAPublisher(ControllerLoop):
    name = "root-ca-cert-publisher"

    def setup(self) -> None:
        ca = self.ctx.client.config.ca_data
        self.ca_pem = ca.decode("ascii", "replace") if ca else ""
        self.namespaces = self.ctx.factory.informer_for(NAMESPACE)
        self.config_maps = self.ctx.factory.informer_for(CONFIGMAP, field_selector=f"metadata.name={NAME}")
        self.namespaces.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)))
        self.config_maps.add_handler(None, lambda _o, n: self._namespace_of(n), self._namespace_of)

    def _namespace_of(self, obj: object) -> None:
        self.enqueue(str((final_state(obj).get("metadata") or {}).get("namespace", "")))

    async def sync(self, key: Hashable) -> float | None:
        ns = self.namespaces.store.get(str(key))
        current = self.config_maps.store.get(f"{key}/{NAME}")
        await self.ctx.executor.run(reconcile_root_ca(ns, current, self.ca_pem), f"root-ca {key}")
        return None
