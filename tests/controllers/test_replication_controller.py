"""ReplicationController on the ReplicaSet machinery: a plain-map selector, its own kind in
ownerReferences and status writes, and an empty selector never acted on."""

from __future__ import annotations

from kube.controllers import actions as A
from kube.controllers.manager import controller_types
from kube.controllers.replicaset import reconcile_replica_set
from kube.controllers.replication_controller import REPLICATION_CONTROLLER, ReplicationControllerController
from tests.controllers.fake_cluster import FakeCluster
from tests.controllers.workloads import pod, template


def rc(name: str = "old", replicas: int = 3) -> dict:
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"app": name}, "template": template({"app": name})}}


def sync(c: FakeCluster, name: str = "old"):
    plan = reconcile_replica_set(c.get("ReplicationController", name), c.list("Pod", "default"), c.now,
                                 kind=REPLICATION_CONTROLLER)
    c.apply(plan.actions)
    return plan


def test_an_rc_creates_owned_pods_scales_down_and_reports_its_status() -> None:
    c = FakeCluster()
    c.add(rc())
    c.add(pod("stranger", {"app": "other"}))
    assert sync(c).creates == 3
    owned = [p for p in c.list("Pod") if p["metadata"].get("ownerReferences")]
    assert len(owned) == 3
    assert {r["kind"] for p in owned for r in p["metadata"]["ownerReferences"]} == {"ReplicationController"}
    c.run_pods()
    plan = sync(c)
    (status,) = [a for a in plan.actions if isinstance(a, A.UpdateStatus)]
    assert status.kind.kind == "ReplicationController" and status.status["readyReplicas"] == 3
    c.objects[("ReplicationController", "default", "old")]["spec"]["replicas"] = 1
    assert len(sync(c).deletes) == 2
    assert c.get("Pod", "stranger")["metadata"].get("ownerReferences") is None


def test_an_rc_adopts_a_matching_orphan() -> None:
    c = FakeCluster()
    c.add(pod("orphan", {"app": "old", "extra": "x"}))
    c.add(rc(replicas=1))
    assert sync(c).creates == 0
    assert c.get("Pod", "orphan")["metadata"]["ownerReferences"][0]["kind"] == "ReplicationController"


def test_an_rc_with_an_empty_selector_does_nothing() -> None:
    c = FakeCluster()
    bad = rc()
    bad["spec"]["selector"] = {}
    c.add(bad)
    c.add(pod("anyone", {"app": "x"}))
    plan = sync(c)
    assert plan.actions == [] and c.get("Pod", "anyone")["metadata"].get("ownerReferences") is None


def test_the_manager_runs_it_under_kube_controller_managers_name() -> None:
    assert controller_types()["replicationcontroller"] is ReplicationControllerController
