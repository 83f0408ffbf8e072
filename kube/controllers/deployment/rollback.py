"""Rollback. Modern `kubectl rollout undo` copies the chosen ReplicaSet's template into the
Deployment itself (client side), so the controller only sees a template change whose
ReplicaSet already exists and moves that ReplicaSet to the newest revision. The legacy
`deprecated.deployment.rollback.to` annotation (extensions/v1beta1 rollback) is honoured
too: it is small, and old tooling still sets it."""

from __future__ import annotations

import copy

from kube.api.meta import Obj
from kube.controllers.actions import DEPLOYMENT, Action, Update
from kube.controllers.deployment.revisions import REVISION, ROLLBACK_TO, revision, without_hash


def requested_revision(d: Obj) -> int | None:
    value = ((d.get("metadata") or {}).get("annotations") or {}).get(ROLLBACK_TO)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def rollback(d: Obj, owned_sets: list[Obj]) -> list[Action]:
    """The Deployment rewritten with the template of the asked revision (0: the previous one),
    the annotation removed either way (an unknown revision is dropped, as Kubernetes does)."""
    wanted = requested_revision(d)
    if wanted is None:
        return []
    ranked = sorted(owned_sets, key=revision, reverse=True)
    if wanted == 0 and len(ranked) >= 2:
        wanted = revision(ranked[1])
    target = next((rs for rs in ranked if wanted and revision(rs) == wanted), None)
    new = copy.deepcopy(d)
    annotations = new["metadata"].setdefault("annotations", {})
    annotations.pop(ROLLBACK_TO, None)
    if target is not None:
        new["spec"]["template"] = without_hash((target.get("spec") or {}).get("template") or {})
        carried = ((target.get("metadata") or {}).get("annotations") or {})
        for key, value in carried.items():
            if key != REVISION and key.startswith("kubernetes.io/"):
                annotations[key] = value
    new.pop("status", None)
    return [Update(DEPLOYMENT, new)]
