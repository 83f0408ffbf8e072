"""Proportional scaling: replicas changed in the middle of a rollout (or while paused)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kube.controllers.deployment.proportional import is_scaling_event, scale_proportionally
from kube.controllers.deployment.revisions import DESIRED_REPLICAS, MAX_REPLICAS
from kube.controllers.deployment.rollout import Rollout
from tests.controllers.fake_cluster import FakeCluster
from tests.controllers.rollout_sim import settle, sync_deployment, sync_replica_sets
from tests.controllers.workloads import deployment

Obj = dict[str, Any]


def rs(name: str, replicas: int, desired: int, max_replicas: int, created: str, available: int = 0) -> Obj:
    return {"metadata": {"name": name, "namespace": "default", "creationTimestamp": created,
                         "annotations": {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(max_replicas)}},
            "spec": {"replicas": replicas}, "status": {"availableReplicas": available}}


def sizes(r: Rollout) -> dict[str, int]:
    return {s["metadata"]["name"]: r.replicas(s) for s in r.all}


def test_scaling_up_mid_rollout_splits_the_new_room_by_share() -> None:
    """10 -> 20 replicas with maxSurge 3: old 8 + new 5 = 13 become 14 + 9 = 23 (20 + surge)."""
    d = deployment("web", 20, surge=3, unavailable=0)
    old = rs("web-old", 8, 10, 13, "2026-01-01T00:00:00Z", available=8)
    new = rs("web-new", 5, 10, 13, "2026-01-01T00:01:00Z")
    r = Rollout(d, new, [old])
    assert is_scaling_event(r)
    scale_proportionally(r)
    assert sizes(r) == {"web-old": 14, "web-new": 9}
    patched = {a.name: a.patch for a in r.actions}
    assert patched["web-new"]["metadata"]["annotations"] == {DESIRED_REPLICAS: "20", MAX_REPLICAS: "23"}
    assert {a.note.message for a in r.actions} == {"Scaled up replica set web-old to 14",
                                                  "Scaled up replica set web-new to 9"}


def test_scaling_down_mid_rollout_takes_from_the_larger_older_set_first() -> None:
    d = deployment("web", 5, surge=1, unavailable=0)
    old = rs("web-old", 6, 10, 11, "2026-01-01T00:00:00Z", available=6)
    new = rs("web-new", 5, 10, 11, "2026-01-01T00:01:00Z")
    r = Rollout(d, new, [old])
    scale_proportionally(r)
    assert sizes(r) == {"web-old": 3, "web-new": 3}  # 6 allowed: 6*6/11 -> 3, 5*6/11 -> 3


def test_only_one_active_set_takes_everything_and_a_saturated_new_set_retires_the_old() -> None:
    d = deployment("web", 7)
    only = rs("web-a", 3, 3, 4, "2026-01-01T00:00:00Z")
    idle = rs("web-b", 0, 3, 4, "2026-01-01T00:01:00Z")
    r = Rollout(d, only, [idle])
    scale_proportionally(r)
    assert sizes(r) == {"web-b": 0, "web-a": 7}
    d = deployment("web", 4)
    new = rs("web-new", 4, 4, 5, "2026-01-01T00:01:00Z", available=4)
    old = rs("web-old", 1, 3, 4, "2026-01-01T00:00:00Z", available=1)
    r = Rollout(d, new, [old])
    scale_proportionally(r)
    assert sizes(r) == {"web-old": 0, "web-new": 4}


def test_no_scaling_event_when_the_sets_were_sized_for_this_replica_count() -> None:
    d = deployment("web", 10, surge=3)
    r = Rollout(d, rs("web-new", 5, 10, 13, "t2"), [rs("web-old", 8, 10, 13, "t1")])
    assert not is_scaling_event(r)


@given(old=st.integers(1, 60), new=st.integers(1, 60), older=st.integers(0, 30), slack=st.integers(0, 20),
       wanted=st.integers(0, 120), surge=st.integers(0, 10))
def test_proportional_scaling_hands_out_exactly_the_room_left(old: int, new: int, older: int, slack: int,
                                                              wanted: int, surge: int) -> None:
    """Two or three active sets sized for `previous` replicas (together within previous +
    maxSurge), then `wanted` asked: no set goes negative, growth fills the room to wanted +
    maxSurge exactly, shrinking never overshoots."""
    previous = max(older + old + new - surge, 1) + slack
    before_max = previous + surge
    sets = [rs("web-older", older, previous, before_max, "t0"), rs("web-old", old, previous, before_max, "t1")]
    newest = rs("web-new", new, previous, before_max, "t2")
    d = deployment("web", wanted, surge=surge, unavailable=1)
    r = Rollout(d, newest, sets)
    assert is_scaling_event(r) == (wanted != previous)
    total_before = sum(sizes(r).values())
    scale_proportionally(r)
    after = sizes(r)
    assert all(v >= 0 for v in after.values())
    allowed = wanted + surge if wanted > 0 else 0
    if allowed >= total_before:
        assert sum(after.values()) == allowed
    else:
        assert allowed <= sum(after.values()) <= total_before
    if wanted == 0:
        assert sum(after.values()) == 0


def test_scaling_up_during_a_stalled_rollout_keeps_both_sets_and_finishes_at_the_new_size() -> None:
    c = FakeCluster()
    c.add(deployment("web", 10, surge=3, unavailable=0))
    settle(c)
    spec = c.objects[("Deployment", "default", "web")]
    spec["spec"]["template"]["spec"]["containers"][0]["image"] = "img:2"
    spec["metadata"]["generation"] += 1
    settle(c, make_ready=False, max_rounds=20)  # new pods never get ready: the rollout stalls at 10 old + 3 new
    by_image = {s["spec"]["template"]["spec"]["containers"][0]["image"]: s["spec"]["replicas"]
                for s in c.list("ReplicaSet")}
    assert by_image == {"img:1": 10, "img:2": 3}
    spec = c.objects[("Deployment", "default", "web")]
    spec["spec"]["replicas"] = 20
    spec["metadata"]["generation"] += 1
    sync_deployment(c)
    by_image = {s["spec"]["template"]["spec"]["containers"][0]["image"]: s["spec"]["replicas"]
                for s in c.list("ReplicaSet")}
    assert by_image == {"img:1": 18, "img:2": 5}  # 23 = 20 + maxSurge 3, split 10:3 -> 17.7:5.3, rounded
    sync_replica_sets(c)
    settle(c)
    by_image = {s["spec"]["template"]["spec"]["containers"][0]["image"]: s["spec"]["replicas"]
                for s in c.list("ReplicaSet")}
    assert by_image == {"img:1": 0, "img:2": 20}
