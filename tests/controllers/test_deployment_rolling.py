"""Deployment rollouts on the pure controllers: rolling within surge/unavailability,
revisions, history cleanup, rollback, recreate, pause, restart."""

from __future__ import annotations

import pytest

from kube.controllers.deployment import progress
from kube.controllers.deployment.revisions import HASH_LABEL, REVISION, template_hash
from tests.controllers.fake_cluster import FakeCluster
from tests.controllers.rollout_sim import available_pods, settle, sync_deployment
from tests.controllers.workloads import deployment


def replica_sets(c: FakeCluster) -> dict[str, dict]:
    return {rs["metadata"]["name"]: rs for rs in c.list("ReplicaSet")}


def set_image(c: FakeCluster, image: str, name: str = "web") -> None:
    c.objects[("Deployment", "default", name)]["spec"]["template"]["spec"]["containers"][0]["image"] = image
    c.objects[("Deployment", "default", name)]["metadata"]["generation"] += 1


def pods_with_image(c: FakeCluster, image: str) -> int:
    return sum(1 for p in c.list("Pod") if p["spec"]["containers"][0]["image"] == image)


def rollout_done(c: FakeCluster, name: str = "web") -> bool:
    """`kubectl rollout status`'s test."""
    d = c.get("Deployment", name)
    s = d.get("status") or {}
    replicas = d["spec"]["replicas"]
    return (d["metadata"]["generation"] <= s.get("observedGeneration", 0) and s.get("updatedReplicas", 0) >= replicas
            and s.get("replicas", 0) <= s.get("updatedReplicas", 0)
            and s.get("availableReplicas", 0) >= s.get("updatedReplicas", 0))


def test_first_rollout_creates_a_hashed_replica_set_and_completes() -> None:
    c = FakeCluster()
    c.add(deployment("web", 3))
    settle(c)
    (rs,) = replica_sets(c).values()
    pod_hash = rs["metadata"]["labels"][HASH_LABEL]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert pod_hash == template_hash(c.get("Deployment", "web")["spec"]["template"])
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", HASH_LABEL: pod_hash}
    assert rs["metadata"]["annotations"][REVISION] == "1"
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    d = c.get("Deployment", "web")
    assert d["metadata"]["annotations"][REVISION] == "1"
    cond = progress.get_condition(d["status"], progress.PROGRESSING)
    assert cond["reason"] == progress.NEW_RS_AVAILABLE and cond["status"] == "True"
    assert progress.get_condition(d["status"], progress.AVAILABLE)["status"] == "True"
    assert rollout_done(c)


def test_hash_is_stable_and_changes_with_the_template() -> None:
    a = deployment("web", 1)["spec"]["template"]
    b = deployment("web", 1, image="img:2")["spec"]["template"]
    assert template_hash(a) == template_hash(dict(a))
    assert template_hash(a) != template_hash(b)
    assert template_hash(a) != template_hash(a, 1)
    assert all(ch in "bcdfghjklmnpqrstvwxz2456789" for ch in template_hash(a))


def test_rolling_update_max_surge_25_max_unavailable_0_never_drops_below_10() -> None:
    c = FakeCluster()
    c.add(deployment("web", 10, surge="25%", unavailable=0))
    settle(c)
    assert available_pods(c) == 10
    set_image(c, "img:2")
    seen: list[int] = []

    def check() -> None:
        available = available_pods(c)
        seen.append(available)
        assert available >= 10, f"only {available} pods available"
        assert len([p for p in c.list("Pod")]) <= 13  # 10 + ceil(25% of 10)

    rounds = settle(c, check=check)
    assert rounds > 3  # it really went step by step
    assert pods_with_image(c, "img:2") == 10 and pods_with_image(c, "img:1") == 0
    assert rollout_done(c)
    sets = replica_sets(c)
    assert sorted(rs["spec"]["replicas"] for rs in sets.values()) == [0, 10]
    assert {rs["metadata"]["annotations"][REVISION] for rs in sets.values()} == {"1", "2"}


def test_rolling_update_respects_max_unavailable() -> None:
    c = FakeCluster()
    c.add(deployment("web", 8, surge=0, unavailable=2))
    settle(c)
    set_image(c, "img:2")
    settle(c, check=lambda: _at_least(c, 6))
    assert pods_with_image(c, "img:2") == 8


def _at_least(c: FakeCluster, n: int) -> None:
    assert available_pods(c) >= n


def test_unready_new_pods_stall_the_rollout_without_losing_availability() -> None:
    c = FakeCluster()
    c.add(deployment("web", 4, surge=1, unavailable=0))
    settle(c)
    set_image(c, "img:broken")
    settle(c, make_ready=False, check=lambda: _at_least(c, 4))
    assert pods_with_image(c, "img:1") == 4 and pods_with_image(c, "img:broken") == 1


def test_progress_deadline_exceeded_for_a_template_that_never_gets_ready() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2, progressDeadlineSeconds=30))
    settle(c)
    set_image(c, "img:unschedulable")
    settle(c, make_ready=False)
    plan = sync_deployment(c)
    assert plan.requeue_after is not None and plan.requeue_after <= 31
    c.tick(40)
    sync_deployment(c)
    cond = progress.get_condition(c.get("Deployment", "web")["status"], progress.PROGRESSING)
    assert cond["status"] == "False" and cond["reason"] == progress.TIMED_OUT
    assert cond["message"].endswith("has timed out progressing.")


def test_rollback_by_template_moves_the_old_set_to_a_new_revision() -> None:
    c = FakeCluster()
    c.add(deployment("web", 3))
    settle(c)
    first = c.get("Deployment", "web")["spec"]["template"]
    set_image(c, "img:2")
    settle(c)
    # what `kubectl rollout undo` sends: the revision-1 template
    c.objects[("Deployment", "default", "web")]["spec"]["template"] = first
    settle(c)
    sets = {rs["metadata"]["annotations"][REVISION]: rs for rs in replica_sets(c).values()}
    assert set(sets) == {"2", "3"}
    assert sets["3"]["spec"]["template"]["spec"]["containers"][0]["image"] == "img:1"
    assert sets["3"]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert pods_with_image(c, "img:1") == 3 and len(replica_sets(c)) == 2
    assert c.get("Deployment", "web")["metadata"]["annotations"][REVISION] == "3"


def test_legacy_rollback_annotation() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2))
    settle(c)
    set_image(c, "img:2")
    settle(c)
    c.objects[("Deployment", "default", "web")]["metadata"]["annotations"]["deprecated.deployment.rollback.to"] = "0"
    settle(c)
    d = c.get("Deployment", "web")
    assert "deprecated.deployment.rollback.to" not in d["metadata"]["annotations"]
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "img:1"
    assert pods_with_image(c, "img:1") == 2


def test_revision_history_limit_deletes_the_oldest_empty_sets() -> None:
    c = FakeCluster()
    c.add(deployment("web", 1, revisionHistoryLimit=1))
    settle(c)
    for version in (2, 3, 4):
        set_image(c, f"img:{version}")
        settle(c)
    revisions = sorted(int(rs["metadata"]["annotations"][REVISION]) for rs in replica_sets(c).values())
    assert revisions == [3, 4]


def test_pause_stops_the_rollout_and_resume_continues() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2))
    settle(c)
    c.objects[("Deployment", "default", "web")]["spec"]["paused"] = True
    set_image(c, "img:2")
    settle(c)
    assert len(replica_sets(c)) == 1 and pods_with_image(c, "img:2") == 0
    cond = progress.get_condition(c.get("Deployment", "web")["status"], progress.PROGRESSING)
    assert (cond["status"], cond["reason"]) == ("Unknown", progress.PAUSED)
    c.objects[("Deployment", "default", "web")]["spec"]["paused"] = False
    settle(c)
    assert pods_with_image(c, "img:2") == 2 and rollout_done(c)


def test_scale_while_paused_reaches_the_running_set() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2))
    settle(c)
    c.objects[("Deployment", "default", "web")]["spec"].update(paused=True, replicas=5)
    settle(c)
    assert len(c.list("Pod")) == 5


def test_restart_annotation_makes_a_new_replica_set() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2))
    settle(c)
    old_pods = {p["metadata"]["name"] for p in c.list("Pod")}
    tmpl = c.objects[("Deployment", "default", "web")]["spec"]["template"]
    tmpl["metadata"]["annotations"] = {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}
    settle(c)
    assert len(replica_sets(c)) == 2
    assert not old_pods & {p["metadata"]["name"] for p in c.list("Pod")}


def test_recreate_removes_every_old_pod_before_any_new_one() -> None:
    c = FakeCluster()
    c.add(deployment("web", 3, strategy="Recreate"))
    settle(c)
    set_image(c, "img:2")

    def never_mixed() -> None:
        assert not (pods_with_image(c, "img:1") and pods_with_image(c, "img:2"))

    settle(c, check=never_mixed)
    assert pods_with_image(c, "img:2") == 3


@pytest.mark.parametrize("replicas", [0, 1, 7])
def test_scaling_a_finished_deployment(replicas: int) -> None:
    c = FakeCluster()
    c.add(deployment("web", 3))
    settle(c)
    c.objects[("Deployment", "default", "web")]["spec"]["replicas"] = replicas
    settle(c)
    assert len(c.list("Pod")) == replicas and rollout_done(c)
