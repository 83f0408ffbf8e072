"""The EndpointSlice mirroring controller (Kubernetes' endpointslicemirroring): the Endpoints
of a Service without a selector (written by hand, or the API server's own `kubernetes`
Endpoints) are mirrored into EndpointSlices, so everything reading slices (the proxy) sees
them too.

As Kubernetes: the slices are owned by the Endpoints, carry its labels plus the service-name
label and managed-by `endpointslicemirroring-controller.k8s.io`; ready addresses become
ready endpoints, notReadyAddresses not-ready ones; at most 1000 addresses of a subset are
mirrored; Endpoints labelled `endpointslice.kubernetes.io/skip-mirror: "true"`, and those of
a Service with a selector (the EndpointSlice controller serves it) or of no Service, are not.
"""

from __future__ import annotations

from collections.abc import Hashable

from kube.api.meta import Obj
from kube.controllers.actions import ENDPOINTS, SERVICE, Action, Delete
from kube.controllers.context import Context
from kube.controllers.endpointslice.desired import MANAGED_BY_LABEL, SERVICE_NAME_LABEL, GroupKey, ports_key
from kube.controllers.endpointslice.reconcile import ENDPOINTSLICE, Owner, reconcile_groups
from kube.controllers.endpointslice.tracker import STALE_WAIT, SliceWriteTracker
from kube.controllers.loop import ControllerLoop, final_state, obj_key

MIRROR_NAME = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
MAX_PER_SUBSET = 1000
_BY_SERVICE = "endpointslicemirroring-service"


def _mirrored_by_service(slice_: Obj) -> list[str]:
    meta = slice_.get("metadata") or {}
    labels = meta.get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != MIRROR_NAME or not labels.get(SERVICE_NAME_LABEL):
        return []
    return [f"{meta.get('namespace', '')}/{labels[SERVICE_NAME_LABEL]}"]


def _owner(endpoints: Obj) -> Owner:
    meta = endpoints.get("metadata") or {}
    labels = {**(meta.get("labels") or {}), SERVICE_NAME_LABEL: meta.get("name", ""), MANAGED_BY_LABEL: MIRROR_NAME}
    reference = {"apiVersion": "v1", "kind": "Endpoints", "name": meta.get("name", ""), "uid": meta.get("uid", ""),
                 "controller": True, "blockOwnerDeletion": True}
    return Owner(meta.get("name", ""), meta.get("namespace", ""), labels, reference)


def mirrored_groups(endpoints: Obj) -> dict[GroupKey, dict[str, Obj]]:
    groups: dict[GroupKey, dict[str, Obj]] = {}
    for subset in endpoints.get("subsets") or []:
        if not isinstance(subset, dict):
            continue
        ports = ports_key(subset.get("ports"))
        addresses = [(a, True) for a in subset.get("addresses") or []] + \
                    [(a, False) for a in subset.get("notReadyAddresses") or []]
        for address, ready in addresses[:MAX_PER_SUBSET]:
            ip = address.get("ip") if isinstance(address, dict) else None
            if not isinstance(ip, str) or not ip:
                continue
            endpoint: Obj = {"addresses": [ip], "conditions": {"ready": ready}}
            for key in ("hostname", "nodeName", "targetRef"):
                if address.get(key):
                    endpoint[key] = address[key]
            family = "IPv6" if ":" in ip else "IPv4"
            groups.setdefault((family, ports), {})[f"\0{ip}"] = endpoint
    return groups


def reconcile_mirror(service: Obj | None, endpoints: Obj | None, slices: list[Obj],
                     limit: int = MAX_PER_SUBSET) -> list[Action]:
    """Actions that make the mirrored `slices` of one Service match its Endpoints."""
    labels = ((endpoints or {}).get("metadata") or {}).get("labels") or {}
    mirror = (service is not None and endpoints is not None and not (service.get("spec") or {}).get("selector")
              and labels.get(SKIP_MIRROR_LABEL) != "true")
    wanted = mirrored_groups(endpoints) if mirror and endpoints is not None else {}
    if not wanted:
        return [Delete(ENDPOINTSLICE, (s.get("metadata") or {}).get("namespace", ""),
                       (s.get("metadata") or {}).get("name", ""), uid=(s.get("metadata") or {}).get("uid", ""))
                for s in slices]
    assert endpoints is not None
    return reconcile_groups(_owner(endpoints), wanted, slices, limit)


class EndpointSliceMirroringController(ControllerLoop):
    name = "endpointslicemirroring"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, 1)
        self.tracker = SliceWriteTracker()

    def setup(self) -> None:
        f = self.ctx.factory
        self.services = f.informer_for(SERVICE)
        self.endpoints = f.informer_for(ENDPOINTS)
        self.slices = f.informer_for(ENDPOINTSLICE, indexers={_BY_SERVICE: _mirrored_by_service})
        for informer in (self.services, self.endpoints):
            informer.add_handler(self._changed, lambda _o, n: self._changed(n), self._changed)
        self.slices.add_handler(self._slice_changed, lambda _o, n: self._slice_changed(n), self._slice_changed)

    def _changed(self, obj: object) -> None:
        self.enqueue(obj_key(obj))

    def _slice_changed(self, obj: object) -> None:
        for key in _mirrored_by_service(final_state(obj)):
            self.enqueue(key)

    async def sync(self, key: Hashable) -> float | None:
        key = str(key)
        slices = self.slices.store.by_index(_BY_SERVICE, key)
        if self.tracker.behind(key, slices):
            return STALE_WAIT
        actions = reconcile_mirror(self.services.store.get(key), self.endpoints.store.get(key), slices)
        if not actions:
            return None
        self.tracker.wrote(key, slices, actions)
        try:
            await self.ctx.executor.run(actions, f"endpointslicemirroring {key}")
        except Exception:
            self.tracker.forget(key)
            raise
        return None
