"""OwnedPods: pod events reach the owning controller's key, orphans reach their adopters, and
expectations are lowered exactly by what was seen."""

from __future__ import annotations

from kube.controllers.expectations import Expectations
from kube.controllers.owned_pods import OwnedPods


def pod(name: str, owner: str | None = None, kind: str = "ReplicaSet", labels: dict | None = None,
        terminating: bool = False) -> dict:
    meta: dict = {"name": name, "namespace": "ns", "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": kind, "name": owner, "controller": True, "uid": "u"}]
    if terminating:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta}


def owned() -> tuple[OwnedPods, list[str], Expectations]:
    seen: list[str] = []
    exp = Expectations()
    return OwnedPods("ReplicaSet", exp, seen.append, lambda p: ["ns/adopter"]), seen, exp


def test_a_created_pod_lowers_its_owners_expected_adds() -> None:
    handlers, seen, exp = owned()
    exp.expect("ns/rs", adds=2)
    handlers.added(pod("a", "rs"))
    assert seen == ["ns/rs"] and exp.pending("ns/rs") == (1, 0) and not exp.satisfied("ns/rs")
    handlers.added(pod("b", "rs"))
    assert exp.satisfied("ns/rs")


def test_another_kinds_pod_is_an_orphan_for_us_and_goes_to_the_adopters() -> None:
    handlers, seen, exp = owned()
    handlers.added(pod("a", "ds", kind="DaemonSet"))
    assert seen == ["ns/adopter"]


def test_a_pod_turning_terminating_and_its_deletion_each_count_once() -> None:
    handlers, seen, exp = owned()
    exp.expect("ns/rs", deletes={"ns/a"})
    handlers.updated(pod("a", "rs"), pod("a", "rs", terminating=True))
    assert exp.satisfied("ns/rs")
    exp.expect("ns/rs", deletes={"ns/b"})
    handlers.deleted(pod("b", "rs"))
    assert exp.satisfied("ns/rs") and seen == ["ns/rs", "ns/rs"]


def test_an_owner_change_wakes_both_owners_and_a_relabelled_orphan_its_adopters() -> None:
    handlers, seen, _ = owned()
    handlers.updated(pod("a", "old"), pod("a", "new"))
    assert sorted(seen) == ["ns/new", "ns/old"]
    seen.clear()
    handlers.updated(pod("a", labels={"x": "1"}), pod("a", labels={"x": "2"}))
    assert seen == ["ns/adopter"]
    seen.clear()
    handlers.updated(pod("a", labels={"x": "1"}), pod("a", labels={"x": "1"}))
    assert seen == []
