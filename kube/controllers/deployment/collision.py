"""pod-template-hash collisions: the name `<deployment>-<hash>` is taken by a ReplicaSet
that is not this Deployment's for its current template (another template hashed the same,
or a foreign object holds the name). Kubernetes bumps `status.collisionCount`, which feeds
the hash, and the next sync tries the new name (getNewReplicaSet)."""

from __future__ import annotations

import copy

from kube.api.meta import Obj
from kube.controllers.deployment.revisions import equal_ignoring_hash
from kube.controllers.ownership import controller_of


def is_own_new_set(d: Obj, existing: Obj) -> bool:
    """The taken name is the Deployment's own new ReplicaSet (only the cache was behind)."""
    ref = controller_of(existing) or {}
    return (ref.get("uid") == (d.get("metadata") or {}).get("uid")
            and equal_ignoring_hash((existing.get("spec") or {}).get("template") or {},
                                    (d.get("spec") or {}).get("template") or {}))


def status_after_collision(d: Obj, existing: Obj) -> Obj | None:
    """The Deployment's status with collisionCount bumped, or None when there is no collision."""
    if is_own_new_set(d, existing):
        return None
    status = copy.deepcopy(d.get("status") or {})
    status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
    return status
