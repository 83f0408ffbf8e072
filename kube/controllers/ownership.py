"""ControllerRefManager: which objects a controller owns, adopts and releases.

An object belongs to at most one controller (the ownerReference with
controller=true). A controller claims objects its selector matches that have no
controller yet (adoption) and gives up objects it owns that its selector no longer
matches (release), as Kubernetes' ClaimPods/ClaimReplicaSets. The patches carry the
object's resourceVersion so a concurrent change makes them fail instead of clobbering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.controllers.actions import Patch


def owner_reference(owner: Obj, *, block: bool = True) -> dict[str, Any]:
    meta = owner.get("metadata") or {}
    return {"apiVersion": owner.get("apiVersion", ""), "kind": owner.get("kind", ""), "name": meta.get("name", ""),
            "uid": meta.get("uid", ""), "controller": True, "blockOwnerDeletion": block}


def _refs(obj: Obj) -> list[dict[str, Any]]:
    refs = (obj.get("metadata") or {}).get("ownerReferences")
    return [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []


def controller_of(obj: Obj) -> dict[str, Any] | None:
    for ref in _refs(obj):
        if ref.get("controller") is True:
            return ref
    return None


@dataclass
class Claim:
    owned: list[Obj] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)  # adoptions and releases to send


def claim(owner: Obj, kind: KindInfo, candidates: Iterable[Obj], matches: Callable[[Obj], bool]) -> Claim:
    """Split `candidates` (same namespace as owner) into what the owner controls now, adopting
    orphans that match and releasing owned objects that stopped matching."""
    meta = owner.get("metadata") or {}
    owner_uid = meta.get("uid", "")
    owner_deleting = bool(meta.get("deletionTimestamp"))
    result = Claim()
    for obj in candidates:
        ref = controller_of(obj)
        obj_meta = obj.get("metadata") or {}
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue
            if matches(obj):
                result.owned.append(obj)
            elif not obj_meta.get("deletionTimestamp"):
                kept = [r for r in _refs(obj) if r.get("uid") != owner_uid]
                result.patches.append(Patch(kind, obj_meta.get("namespace", ""), obj_meta.get("name", ""),
                                            {"metadata": {"ownerReferences": kept,
                                                          "resourceVersion": obj_meta.get("resourceVersion")}}))
            continue
        if owner_deleting or obj_meta.get("deletionTimestamp") or not matches(obj):
            continue
        refs = [*_refs(obj), owner_reference(owner)]
        result.patches.append(Patch(kind, obj_meta.get("namespace", ""), obj_meta.get("name", ""),
                                    {"metadata": {"ownerReferences": refs,
                                                  "resourceVersion": obj_meta.get("resourceVersion")}}))
        result.owned.append(obj)
    return result
