"""EndpointSlices (discovery.k8s.io): no spec, so the generic path gives them no generation;
Kubernetes' strategy does: 1 on create, +1 when addressType, endpoints or ports change."""

from __future__ import annotations

from kube.api.meta import Obj
from kube.apiserver.strategies.base import Strategy

_CONTENT = ("addressType", "endpoints", "ports")


class EndpointSliceStrategy(Strategy):
    def prepare_create(self, obj: Obj) -> None:
        obj["metadata"]["generation"] = 1

    def prepare_update(self, new: Obj, old: Obj) -> None:
        generation = (old.get("metadata") or {}).get("generation")
        generation = generation if isinstance(generation, int) else 1
        changed = any(new.get(k) != old.get(k) for k in _CONTENT)
        new["metadata"]["generation"] = generation + 1 if changed else generation
