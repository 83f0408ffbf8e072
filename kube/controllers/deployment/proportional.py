"""Proportional scaling: `spec.replicas` changed while a rollout is under way (or paused).

Instead of restarting the rollout, every active ReplicaSet grows or shrinks in proportion
to its share of the Deployment's previous size (read from its
`deployment.kubernetes.io/max-replicas` annotation), within maxSurge; rounding leftovers go
to the largest set. Kubernetes' isScalingEvent / scale / GetProportion (deployment util).
"""

from __future__ import annotations

import math

from kube.api.meta import Obj
from kube.controllers.deployment.revisions import DESIRED_REPLICAS, MAX_REPLICAS
from kube.controllers.deployment.rollout import Rollout, desired_replicas, is_rolling, max_surge, name_of


def _annotation(rs: Obj, key: str) -> int | None:
    value = ((rs.get("metadata") or {}).get("annotations") or {}).get(key)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _created(rs: Obj) -> tuple[str, str]:
    meta = rs.get("metadata") or {}
    return (str(meta.get("creationTimestamp", "")), str(meta.get("name", "")))


def active_sets(r: Rollout) -> list[Obj]:
    return [rs for rs in r.all if r.replicas(rs) > 0]


def is_scaling_event(r: Rollout) -> bool:
    """An active ReplicaSet was sized for another Deployment size than the one asked now."""
    wanted = desired_replicas(r.deployment)
    return any((desired := _annotation(rs, DESIRED_REPLICAS)) is not None and desired != wanted
               for rs in active_sets(r))


def active_or_latest(r: Rollout) -> Obj | None:
    """The one ReplicaSet that should take all replicas: the only active one, or (none
    active) the new one, else the newest old one; None when several are active."""
    active = active_sets(r)
    if len(active) == 1:
        return active[0]
    if active:
        return None
    if r.new is not None:
        return r.new
    return max(r.old, key=_created) if r.old else None


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    """The new ReplicaSet alone runs the whole Deployment, all of it available."""
    if rs is None:
        return False
    replicas = desired_replicas(d)
    return (_annotation(rs, DESIRED_REPLICAS) == replicas and int((rs.get("spec") or {}).get("replicas") or 0)
            == replicas and int((rs.get("status") or {}).get("availableReplicas") or 0) == replicas)


def _round(value: float) -> int:
    """Go's math.Round: halves away from zero."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def fraction(r: Rollout, rs: Obj) -> int:
    """How many replicas rs gains (or loses) to keep its share of the new maximum size."""
    d = r.deployment
    replicas = desired_replicas(d)
    have = r.replicas(rs)
    if replicas == 0:
        return -have
    max_now = replicas + max_surge(d)
    max_before = _annotation(rs, MAX_REPLICAS) or int((d.get("status") or {}).get("replicas") or 0)
    if max_before <= 0:
        return 0
    return _round(have * max_now / max_before) - have


def proportion(r: Rollout, rs: Obj, to_add: int, added: int) -> int:
    """rs's part of `to_add`, never more than what is still left to hand out (GetProportion)."""
    if r.replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    share = fraction(r, rs)
    allowed = to_add - added
    return min(share, allowed) if to_add > 0 else max(share, allowed)


def scale_proportionally(r: Rollout) -> None:
    """Plan the scale patches for a replicas change (and for a paused Deployment)."""
    d = r.deployment
    replicas = desired_replicas(d)
    target = active_or_latest(r)
    if target is not None:
        r.scale(target, replicas)
        return
    if is_saturated(d, r.new):
        for rs in active_sets(r):
            if rs is not r.new:
                r.scale(rs, 0)
        return
    if not is_rolling(d):
        return
    sets = active_sets(r)
    allowed = replicas + max_surge(d) if replicas > 0 else 0
    to_add = allowed - r.total_replicas(sets)
    if to_add > 0:  # the largest first, the newer among equals (ReplicaSetsBySizeNewer)
        sets.sort(key=_created, reverse=True)
    else:  # the largest first, the older among equals (ReplicaSetsBySizeOlder)
        sets.sort(key=_created)
    sets.sort(key=r.replicas, reverse=True)
    sizes: dict[str, int] = {}
    added = 0
    for rs in sets:
        part = proportion(r, rs, to_add, added)
        sizes[name_of(rs)] = r.replicas(rs) + part
        added += part
    if sets and to_add:
        largest = name_of(sets[0])
        sizes[largest] = max(sizes[largest] + to_add - added, 0)
    for rs in sets:
        r.scale(rs, sizes[name_of(rs)])
