"""ReplicaSet reconcile: replicas, adoption/release, replacement, scale-down order, status."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.controllers import actions as A
from kube.controllers.replicaset import reconcile_replica_set
from tests.controllers.fake_cluster import FakeCluster
from tests.controllers.workloads import pod, replica_set


def sync(c: FakeCluster, name: str = "web", **kw):
    rs = c.get("ReplicaSet", name)
    plan = reconcile_replica_set(rs, c.list("Pod", "default"), c.now, **kw)
    c.apply(plan.actions)
    return plan


def owned_pods(c: FakeCluster, rs_name: str = "web") -> list[dict]:
    uid = c.get("ReplicaSet", rs_name)["metadata"]["uid"]
    return [p for p in c.list("Pod") if any(r["uid"] == uid for r in p["metadata"].get("ownerReferences", []))]


def test_creates_pods_named_after_the_set_with_controller_refs() -> None:
    c = FakeCluster()
    c.add(replica_set("web", 3))
    plan = sync(c)
    assert plan.creates == 3
    pods = owned_pods(c)
    assert len(pods) == 3
    for p in pods:
        assert p["metadata"]["generateName"] == "web-"
        ref = p["metadata"]["ownerReferences"][0]
        assert ref["controller"] is True and ref["blockOwnerDeletion"] is True and ref["kind"] == "ReplicaSet"
        assert p["metadata"]["labels"] == {"app": "web"}
    assert sync(c).creates == 0  # fixed point


def test_expectations_not_met_means_no_new_creations() -> None:
    c = FakeCluster()
    c.add(replica_set("web", 2))
    plan = sync(c, expectations_met=False)
    assert plan.creates == 0 and not any(isinstance(a, A.CreatePod) for a in plan.actions)


def test_replaces_deleted_and_failed_pods() -> None:
    c = FakeCluster()
    c.add(replica_set("web", 3))
    sync(c)
    pods = owned_pods(c)
    del c.objects[("Pod", "default", pods[0]["metadata"]["name"])]
    c.objects[("Pod", "default", pods[1]["metadata"]["name"])]["status"] = {"phase": "Failed"}
    assert sync(c).creates == 2
    active = [p for p in owned_pods(c) if (p.get("status") or {}).get("phase") != "Failed"]
    assert len(active) == 3


def test_adopts_matching_orphans_and_releases_pods_that_stop_matching() -> None:
    c = FakeCluster()
    c.add(pod("orphan", {"app": "web"}))
    c.add(pod("other", {"app": "db"}))
    c.add(replica_set("web", 1))
    plan = sync(c)
    assert plan.creates == 0
    orphan = c.get("Pod", "orphan")
    assert orphan["metadata"]["ownerReferences"][0]["name"] == "web"
    assert "ownerReferences" not in c.get("Pod", "other")["metadata"]
    c.objects[("Pod", "default", "orphan")]["metadata"]["labels"] = {"app": "web-debug"}
    plan = sync(c)
    assert c.get("Pod", "orphan")["metadata"]["ownerReferences"] == []
    assert plan.creates == 1  # the released pod is replaced


def test_does_not_touch_pods_of_another_controller() -> None:
    c = FakeCluster()
    taken = pod("taken", {"app": "web"})
    taken["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x",
                                             "uid": "other", "controller": True}]
    c.add(taken)
    c.add(replica_set("web", 1))
    assert sync(c).creates == 1


def test_scale_down_removes_unscheduled_then_not_ready_then_newest() -> None:
    c = FakeCluster()
    c.add(replica_set("web", 4))
    sync(c)
    names = [p["metadata"]["name"] for p in owned_pods(c)]
    c.run_pods(names[:1], ready=True)
    c.tick(10)
    c.run_pods(names[1:2], ready=True)  # ready more recently
    c.run_pods(names[2:3], ready=False)  # running, not ready
    # names[3] stays unscheduled
    c.objects[("ReplicaSet", "default", "web")]["spec"]["replicas"] = 1
    plan = sync(c)
    assert [d.name for d in plan.deletes] == [names[3], names[2], names[1]]
    assert [p["metadata"]["name"] for p in owned_pods(c)] == [names[0]]


def test_status_counts_ready_available_and_labels() -> None:
    c = FakeCluster()
    c.add(replica_set("web", 3, minReadySeconds=30))
    sync(c)
    names = [p["metadata"]["name"] for p in owned_pods(c)]
    c.run_pods(names[:2])
    plan = sync(c)
    assert plan.status["replicas"] == 3 and plan.status["readyReplicas"] == 2
    assert plan.status["availableReplicas"] == 0 and plan.status["fullyLabeledReplicas"] == 3
    assert plan.status["observedGeneration"] == 1
    assert plan.requeue_after is not None and 29 < plan.requeue_after <= 31
    c.tick(31)
    assert sync(c).status["availableReplicas"] == 2


def test_a_deleting_set_creates_nothing() -> None:
    c = FakeCluster()
    rs = replica_set("web", 3)
    rs["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    c.add(rs)
    assert sync(c).creates == 0


def test_burst_limits_one_sync() -> None:
    c = FakeCluster()
    c.add(replica_set("web", 50))
    assert sync(c, burst=20).creates == 20


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=6))
def test_any_sequence_of_scales_converges_to_replicas(sizes: list[int]) -> None:
    c = FakeCluster()
    c.add(replica_set("web", sizes[0]))
    for size in sizes:
        c.objects[("ReplicaSet", "default", "web")]["spec"]["replicas"] = size
        sync(c)
        assert len(owned_pods(c)) == size
        sync(c)  # the status catches up with the pods made in the last sync
        assert sync(c).actions == []
