"""Step a Deployment and its ReplicaSets to a fixed point on a FakeCluster, as the two
controllers and the node agents would, with a check after every change."""

from __future__ import annotations

from collections.abc import Callable

from kube.controllers.deployment.sync import DeploymentPlan, reconcile_deployment
from kube.controllers.pod_state import is_active, is_ready
from kube.controllers.replicaset import reconcile_replica_set
from tests.controllers.fake_cluster import FakeCluster


def available_pods(c: FakeCluster) -> int:
    return sum(1 for p in c.list("Pod") if is_active(p) and is_ready(p))


def sync_deployment(c: FakeCluster, name: str = "web") -> DeploymentPlan:
    plan = reconcile_deployment(c.get("Deployment", name), c.list("ReplicaSet", "default"), c.list("Pod", "default"),
                                c.now)
    c.apply(plan.actions)
    return plan


def sync_replica_sets(c: FakeCluster) -> int:
    changes = 0
    for rs in c.list("ReplicaSet"):
        plan = reconcile_replica_set(rs, c.list("Pod", "default"), c.now)
        c.apply(plan.actions)
        changes += len(plan.actions)
    return changes


def settle(c: FakeCluster, name: str = "web", *, make_ready: bool = True, check: Callable[[], None] | None = None,
           max_rounds: int = 100, seconds_per_round: float = 1.0) -> int:
    """Rounds until nothing changes; returns how many rounds it took."""
    for rounds in range(1, max_rounds + 1):
        before = len(c.log)
        sync_deployment(c, name)
        if check:
            check()
        sync_replica_sets(c)
        if check:
            check()
        if make_ready:
            c.run_pods(ready=True)
        else:  # new pods start and never get ready; running ones stay as they are
            fresh = [p["metadata"]["name"] for p in c.list("Pod") if not (p.get("status") or {}).get("conditions")]
            c.run_pods(fresh, ready=False)
        if check:
            check()
        c.tick(seconds_per_round)
        if len(c.log) == before:
            return rounds
    raise AssertionError("the rollout did not settle")
