"""One sync's view of a Deployment's ReplicaSets: the replicas planned so far and the
scale patches that carry them out. The strategies (rolling.py, recreate.py) work on it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from kube.api.meta import Obj
from kube.controllers.actions import REPLICASET, Action, Patch
from kube.controllers.deployment.revisions import DESIRED_REPLICAS, MAX_REPLICAS
from kube.controllers.events import NORMAL, note


def desired_replicas(deployment: Obj) -> int:
    return int((deployment.get("spec") or {}).get("replicas", 1) or 0)


def _scaled(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    text = str(value or "0").strip()
    if text.endswith("%"):
        try:
            percent = int(text[:-1])
        except ValueError:
            return 0
        exact = percent * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    try:
        return int(text)
    except ValueError:
        return 0


def fenceposts(deployment: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as numbers; both zero would deadlock, so unavailable becomes 1."""
    spec = deployment.get("spec") or {}
    rolling = ((spec.get("strategy") or {}).get("rollingUpdate")) or {}
    replicas = desired_replicas(deployment)
    surge = _scaled(rolling.get("maxSurge", "25%"), replicas, True)
    unavailable = _scaled(rolling.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling(deployment: Obj) -> bool:
    return ((deployment.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def max_unavailable(deployment: Obj) -> int:
    replicas = desired_replicas(deployment)
    if not is_rolling(deployment) or replicas == 0:
        return 0
    return min(fenceposts(deployment)[1], replicas)


def max_surge(deployment: Obj) -> int:
    return fenceposts(deployment)[0] if is_rolling(deployment) else 0


def name_of(rs: Obj) -> str:
    return str((rs.get("metadata") or {}).get("name", ""))


@dataclass
class Rollout:
    deployment: Obj
    new: Obj | None
    old: list[Obj]  # oldest first
    actions: list[Action] = field(default_factory=list)
    planned: dict[str, int] = field(default_factory=dict)

    @property
    def all(self) -> list[Obj]:
        return [*self.old, *([self.new] if self.new is not None else [])]

    def replicas(self, rs: Obj) -> int:
        return self.planned.get(name_of(rs), int((rs.get("spec") or {}).get("replicas") or 0))

    def total_replicas(self, sets: list[Obj] | None = None) -> int:
        return sum(self.replicas(rs) for rs in (self.all if sets is None else sets))

    def available(self, rs: Obj) -> int:
        """Available pods by the ReplicaSet's status, never more than it is asked to keep
        (its status may still count pods a scale-down is removing)."""
        status = rs.get("status") or {}
        return min(int(status.get("availableReplicas") or 0), self.replicas(rs))

    def scale(self, rs: Obj, replicas: int) -> bool:
        """Plan `replicas` for rs, with the desired/max-replicas annotations proportional
        scaling reads (brought up to date even when the size stays); True when the size changes.
        A size change carries the ScalingReplicaSet event `kubectl describe deployment` shows."""
        before = self.replicas(rs)
        meta = rs.get("metadata") or {}
        desired = desired_replicas(self.deployment)
        annotations = {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(desired + max_surge(self.deployment))}
        current = meta.get("annotations") or {}
        stale = any(current.get(k) != v for k, v in annotations.items())
        resized = replicas != before or name_of(rs) in self.planned
        if not resized and not stale:
            return False
        patch: Obj = {"metadata": {"annotations": annotations}}
        event = None
        if resized:
            self.planned[name_of(rs)] = replicas
            patch["spec"] = {"replicas": replicas}
            direction = "up" if replicas > before else "down"
            event = note(self.deployment, NORMAL, "ScalingReplicaSet",
                         f"Scaled {direction} replica set {name_of(rs)} to {replicas}")
        self.actions.append(Patch(REPLICASET, meta.get("namespace", ""), name_of(rs), patch, note=event))
        return resized
