"""Recreate: every old pod is gone before the new ReplicaSet gets any (rolloutRecreate)."""

from __future__ import annotations

from kube.api.meta import Obj
from kube.controllers.deployment.rollout import Rollout, desired_replicas
from kube.controllers.pod_state import is_terminating, phase


def _old_pods_running(r: Rollout, pods_by_rs: dict[str, list[Obj]]) -> bool:
    """Old pods still count until they are gone or finished (terminating ones too)."""
    for rs in r.old:
        uid = (rs.get("metadata") or {}).get("uid", "")
        for pod in pods_by_rs.get(uid, []):
            if is_terminating(pod) or phase(pod) not in ("Succeeded", "Failed"):
                return True
    return False


def rollout_recreate(r: Rollout, pods_by_rs: dict[str, list[Obj]]) -> bool:
    """Scale old sets to zero, wait, then scale the new one up; True when the caller
    should create the new ReplicaSet now (no old pods left and none exists)."""
    scaled = False
    for rs in r.old:
        if r.replicas(rs) != 0:
            scaled = r.scale(rs, 0) or scaled
    if scaled or _old_pods_running(r, pods_by_rs):
        return False
    if r.new is None:
        return True
    r.scale(r.new, desired_replicas(r.deployment))
    return False
