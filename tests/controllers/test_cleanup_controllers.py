"""Pod GC, garbage collection (background, foreground, orphan), namespace deletion, node IPAM."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.controllers import actions as A
from kube.controllers.garbage_collector import reconcile_gc
from kube.controllers.namespace import namespaced_kinds, reconcile_namespace
from kube.controllers.node_ipam import CidrAllocator, CidrExhausted, reconcile_node_cidr
from kube.controllers.podgc import reconcile_pod_gc
from kube.controllers.replicaset import reconcile_replica_set
from tests.controllers.fake_cluster import FakeCluster
from tests.controllers.rollout_sim import settle
from tests.controllers.workloads import deployment, pod


def gc_until_quiet(c: FakeCluster, rounds: int = 20) -> None:
    for _ in range(rounds):
        objs = c.list("Deployment") + c.list("ReplicaSet") + c.list("Pod")
        acts = reconcile_gc(objs)
        if not acts:
            return
        c.apply(acts)
    raise AssertionError("the garbage collector did not settle")


def test_pod_gc_removes_pods_of_vanished_nodes_and_old_finished_pods() -> None:
    bound = pod("a", {}, spec={"nodeName": "gone"})
    here = pod("b", {}, spec={"nodeName": "n1"})
    done = [pod(f"d{i}", {}, status={"phase": "Succeeded"}) for i in range(3)]
    for i, p in enumerate(done):
        p["metadata"]["creationTimestamp"] = f"2026-01-01T00:00:0{i}Z"
    actions = reconcile_pod_gc([bound, here, *done], {"n1"}, terminated_threshold=1)
    assert [(a.name, a.grace_period) for a in actions] == [("a", 0), ("d0", 0), ("d1", 0)]


def test_deleting_a_deployment_removes_its_replica_sets_and_pods() -> None:
    c = FakeCluster()
    c.add(deployment("web", 3))
    settle(c)
    c.delete("Deployment", "default", "web", "Background")
    gc_until_quiet(c)
    assert c.list("ReplicaSet") == [] and c.list("Pod") == []


def test_foreground_deletion_waits_for_blocking_dependents() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2))
    settle(c)
    c.delete("Deployment", "default", "web", "Foreground")
    assert c.get("Deployment", "web")["metadata"]["finalizers"] == ["foregroundDeletion"]
    gc_until_quiet(c)
    assert c.get("Deployment", "web") is None and c.list("ReplicaSet") == [] and c.list("Pod") == []


def test_foreground_keeps_the_owner_while_a_dependent_remains() -> None:
    c = FakeCluster()
    c.add(deployment("web", 1))
    settle(c)
    c.delete("Deployment", "default", "web", "Foreground")
    acts = reconcile_gc(c.list("Deployment") + c.list("ReplicaSet") + c.list("Pod"))
    assert not any(isinstance(a, A.Patch) and a.kind.kind == "Deployment" for a in acts)
    assert any(isinstance(a, A.Delete) and a.kind.kind == "ReplicaSet" and a.propagation == "Foreground" for a in acts)


def test_orphan_deletion_keeps_dependents_without_the_owner_reference() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2))
    settle(c)
    c.delete("Deployment", "default", "web", "Orphan")
    gc_until_quiet(c)
    assert c.get("Deployment", "web") is None
    (rs,) = c.list("ReplicaSet")
    assert "ownerReferences" not in rs["metadata"]
    assert len(c.list("Pod")) == 2
    rs_plan = reconcile_replica_set(rs, c.list("Pod"), c.now)
    assert rs_plan.creates == 0  # its pods are still its own


def test_background_deletes_carry_the_owners_to_recheck() -> None:
    c = FakeCluster()
    orphan = pod("p", {})
    orphan["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x",
                                              "uid": "gone", "controller": True}]
    c.add(orphan)
    (act,) = reconcile_gc(c.list("Pod"))
    assert isinstance(act, A.DeleteDependent) and act.owners[0]["uid"] == "gone"


def test_dangling_reference_is_dropped_when_another_owner_lives() -> None:
    c = FakeCluster()
    c.add(deployment("web", 1))
    owner = c.get("Deployment", "web")
    p = pod("p", {})
    p["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                         "uid": owner["metadata"]["uid"]},
                                        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x", "uid": "gone"}]
    c.add(p)
    c.apply(reconcile_gc(c.list("Deployment") + c.list("Pod")))
    assert [r["uid"] for r in c.get("Pod", "p")["metadata"]["ownerReferences"]] == [owner["metadata"]["uid"]]


def test_namespace_is_emptied_then_finalized() -> None:
    c = FakeCluster()
    c.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}, "spec": {"finalizers": ["kubernetes"]}})
    for name in ("a", "b"):
        p = pod(name, {})
        p["metadata"]["namespace"] = "team"
        c.add(p)
    c.delete("Namespace", "", "team")
    kinds = {k.kind: k for k in namespaced_kinds()}

    def contents():
        return {kinds["Pod"]: c.list("Pod", "team")}

    ns = c.get("Namespace", "team", "")
    acts = reconcile_namespace(ns, contents())
    assert sorted(a.name for a in acts) == ["a", "b"] and not any(isinstance(a, A.Finalize) for a in acts)
    c.apply(acts)
    (fin,) = reconcile_namespace(c.get("Namespace", "team", ""), contents())
    assert fin == A.Finalize("team", (), fin.resource_version)
    c.apply([fin])
    assert c.get("Namespace", "team", "") is None


def test_namespace_deletion_lists_only_kinds_that_can_be_listed_and_deleted() -> None:
    """The create-only reviews (LocalSubjectAccessReview) answer 405 to a list: asking them would
    keep every namespace Terminating."""
    kinds = {k.kind for k in namespaced_kinds()}
    assert "LocalSubjectAccessReview" not in kinds and "Eviction" not in kinds
    assert {"Pod", "ConfigMap", "Deployment", "Secret"} <= kinds


def test_a_live_namespace_is_left_alone() -> None:
    ns = {"metadata": {"name": "team"}, "spec": {"finalizers": ["kubernetes"]}}
    assert reconcile_namespace(ns, {}) == []


def test_ipam_hands_out_distinct_cidrs_and_reuses_freed_ones() -> None:
    alloc = CidrAllocator("10.244.0.0/22", 24)
    assert alloc.occupy("10.244.1.0/24")
    got = [alloc.allocate() for _ in range(3)]
    assert got == ["10.244.0.0/24", "10.244.2.0/24", "10.244.3.0/24"]
    with pytest.raises(CidrExhausted):
        alloc.allocate()
    alloc.release("10.244.2.0/24")
    assert alloc.allocate() == "10.244.2.0/24"
    assert not alloc.occupy("192.168.0.0/24")


def test_ipam_patches_nodes_without_a_cidr_only() -> None:
    alloc = CidrAllocator()
    (patch,) = reconcile_node_cidr({"metadata": {"name": "n1", "resourceVersion": "4"}, "spec": {}}, alloc)
    assert patch.patch["spec"] == {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]}
    assert reconcile_node_cidr({"metadata": {"name": "n2"}, "spec": {"podCIDR": "10.244.9.0/24"}}, alloc) == []


@given(st.lists(st.booleans(), max_size=80))
def test_ipam_never_hands_out_a_cidr_twice(steps: list[bool]) -> None:
    alloc = CidrAllocator("10.0.0.0/20", 26)
    held: list[str] = []
    for take in steps:
        if take or not held:
            try:
                cidr = alloc.allocate()
            except CidrExhausted:
                assert len(held) == alloc.count
                continue
            assert cidr not in held
            held.append(cidr)
        else:
            alloc.release(held.pop(0))
    assert alloc.in_use() == len(held)
