"""RollingUpdate: the new ReplicaSet grows within maxSurge while old ones shrink within
maxUnavailable, step by step as pods become available (Kubernetes' rolloutRolling)."""

from __future__ import annotations

from kube.controllers.deployment.rollout import Rollout, desired_replicas, max_surge, max_unavailable


def new_replicas(r: Rollout) -> int:
    """How big the new ReplicaSet may be now (NewRSNewReplicas for RollingUpdate)."""
    assert r.new is not None
    replicas = desired_replicas(r.deployment)
    current = r.total_replicas()
    max_total = replicas + max_surge(r.deployment)
    have = r.replicas(r.new)
    if current >= max_total:
        return have
    return have + min(max_total - current, max(replicas - have, 0))


def reconcile_new(r: Rollout) -> bool:
    """Scale the new ReplicaSet toward the target; True when it changed."""
    assert r.new is not None
    replicas = desired_replicas(r.deployment)
    have = r.replicas(r.new)
    if have == replicas:
        return False
    if have > replicas:
        return r.scale(r.new, replicas)
    return r.scale(r.new, new_replicas(r))


def _cleanup_unhealthy(r: Rollout, budget: int) -> int:
    """Shrink old ReplicaSets by their unavailable pods first: removing them costs no availability."""
    done = 0
    for rs in r.old:
        if done >= budget:
            break
        have = r.replicas(rs)
        unhealthy = have - r.available(rs)
        if have == 0 or unhealthy <= 0:
            continue
        cut = min(budget - done, unhealthy)
        r.scale(rs, have - cut)
        done += cut
    return done


def _scale_down_old(r: Rollout) -> int:
    min_available = desired_replicas(r.deployment) - max_unavailable(r.deployment)
    available = sum(r.available(rs) for rs in r.all)
    if available <= min_available:
        return 0
    budget = available - min_available
    done = 0
    for rs in r.old:
        if done >= budget:
            break
        have = r.replicas(rs)
        if have == 0:
            continue
        cut = min(have, budget - done)
        r.scale(rs, have - cut)
        done += cut
    return done


def reconcile_old(r: Rollout) -> bool:
    """Scale old ReplicaSets down as far as availability allows (reconcileOldReplicaSets)."""
    if r.total_replicas(r.old) == 0:
        return False
    all_pods = r.total_replicas()
    min_available = desired_replicas(r.deployment) - max_unavailable(r.deployment)
    new_unavailable = 0
    if r.new is not None:
        new_unavailable = max(r.replicas(r.new) - r.available(r.new), 0)
    budget = all_pods - min_available - new_unavailable
    if budget <= 0:
        return False
    cleaned = _cleanup_unhealthy(r, budget)
    return cleaned + _scale_down_old(r) > 0


def rollout_rolling(r: Rollout) -> None:
    if r.new is not None and reconcile_new(r):
        return
    reconcile_old(r)
