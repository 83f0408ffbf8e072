"""DaemonSet reconcile, pure: eligibility (nodeSelector, affinity, taints vs the default
tolerations), placement through node affinity, RollingUpdate with maxUnavailable and with
maxSurge, OnDelete, ControllerRevision history (undo renumbers, cleanup, collisions), status."""

from __future__ import annotations

import copy
from typing import Any

from kube.controllers import actions as A
from kube.controllers.daemonset.history import HASH_LABEL
from kube.controllers.daemonset.placement import target_node
from kube.controllers.daemonset.reconcile import reconcile_daemon_set
from tests.controllers.fake_cluster import FakeCluster, stamp
from tests.controllers.workloads import template

Obj = dict[str, Any]


def node(name: str, labels: dict[str, str] | None = None, taints: list[Obj] | None = None, **spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                                                    **(labels or {})}},
            "spec": {"taints": taints or [], **spec}}


def daemon_set(name: str = "agent", strategy: Obj | None = None, **spec: Any) -> Obj:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"matchLabels": labels}, "template": template(labels, "img:1"),
                     "updateStrategy": strategy or {"type": "RollingUpdate",
                                                    "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                     "revisionHistoryLimit": 10, **spec}}


def sync(c: FakeCluster, name: str = "agent", **kw: Any):
    plan = reconcile_daemon_set(c.get("DaemonSet", name), c.list("Node"), c.list("Pod", "default"),
                                c.list("ControllerRevision", "default"), c.now, **kw)
    c.apply(plan.actions)
    return plan


def pods(c: FakeCluster) -> list[Obj]:
    return [p for p in c.list("Pod") if not p["metadata"].get("deletionTimestamp")]


def by_node(c: FakeCluster) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in pods(c):
        out.setdefault(target_node(p) or "", []).append(p["spec"]["containers"][0]["image"])
    return {k: sorted(v) for k, v in sorted(out.items())}


def schedule_and_run(c: FakeCluster, ready: bool = True) -> None:
    """The scheduler binds each pod to the node its affinity names; the node runs it."""
    for (kind, _, _), p in c.objects.items():
        if kind == "Pod" and not p["metadata"].get("deletionTimestamp"):
            p["spec"]["nodeName"] = target_node(p)
            p["status"] = {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": stamp(c.now)}]}


def settle(c: FakeCluster, rounds: int = 20, check: Any = None) -> None:
    for _ in range(rounds):
        plan = sync(c)
        schedule_and_run(c)
        if check is not None:
            check(c)
        if not plan.creates and not plan.deletes and not any(isinstance(a, A.Create) for a in plan.actions):
            return
    raise AssertionError("no fixed point")


def cluster(*nodes: Obj, ds: Obj | None = None) -> FakeCluster:
    c = FakeCluster()
    for n in nodes or (node("n1"), node("n2"), node("n3")):
        c.add(n)
    c.add(ds or daemon_set())
    return c


def test_one_pod_per_eligible_node_placed_by_affinity_with_the_default_tolerations() -> None:
    c = cluster(node("n1"), node("n2", {"disk": "hdd"}),
                node("n3", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]),
                node("n4", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]),
                node("n5", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
                     unschedulable=True),
                ds=daemon_set(template={"metadata": {"labels": {"app": "agent"}},
                                        "spec": {"nodeSelector": {"disk": "ssd"}, "containers": [
                                            {"name": "c", "image": "img:1"}]}}))
    assert sync(c).creates == 0  # nothing has disk=ssd
    for name in ("n1", "n3", "n4", "n5"):
        c.objects[("Node", "", name)]["metadata"]["labels"]["disk"] = "ssd"
    plan = sync(c)
    assert sorted(target_node(p) for p in pods(c)) == ["n1", "n4", "n5"]  # n3's taint is not tolerated
    assert plan.creates == 3
    (p, *_) = pods(c)
    assert "nodeName" not in p["spec"]
    assert p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                "values": [target_node(p)]}]}]}
    tolerated = {(t["key"], t["effect"]) for t in p["spec"]["tolerations"]}
    assert tolerated == {("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                         ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                         ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                         ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                         ("node.kubernetes.io/unschedulable", "NoSchedule")}
    assert all(t["operator"] == "Exists" and "tolerationSeconds" not in t for t in p["spec"]["tolerations"])
    assert p["metadata"]["generateName"] == "agent-" and p["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet"
    (rev,) = c.list("ControllerRevision")
    assert p["metadata"]["labels"] == {"app": "agent", HASH_LABEL: rev["metadata"]["labels"][HASH_LABEL]}
    assert rev["metadata"]["name"] == f"agent-{rev['metadata']['labels'][HASH_LABEL]}" and rev["revision"] == 1
    assert rev["data"]["spec"]["template"]["$patch"] == "replace"
    assert list(rev["data"]["spec"]["template"]) == ["$patch", "metadata", "spec"]  # Go's map order
    assert rev["data"]["spec"]["template"]["spec"]["containers"][0]["resources"] == {}
    assert rev["data"]["spec"]["template"]["spec"]["nodeSelector"] == {"disk": "ssd"}
    assert sync(c).creates == 0  # fixed point while the scheduler has not bound them yet


def test_status_counts_what_kubectl_rollout_status_reads() -> None:
    c = cluster(node("n1"), node("n2"), node("n3", {"role": "x"}))
    settle(c)
    ds = c.get("DaemonSet", "agent")
    assert ds["status"] == {"currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3,
                            "numberReady": 3, "observedGeneration": 1, "updatedNumberScheduled": 3,
                            "numberAvailable": 3}
    # a pod left on a node that stopped being eligible counts as misscheduled until it goes
    c.objects[("DaemonSet", "default", "agent")]["spec"]["template"]["spec"]["nodeSelector"] = {"role": "x"}
    c.objects[("DaemonSet", "default", "agent")]["metadata"]["generation"] = 2
    plan = sync(c, expectations_met=False)
    assert plan.status["desiredNumberScheduled"] == 1 and plan.status["numberMisscheduled"] == 2
    assert "numberUnavailable" not in plan.status and plan.creates == 0 and not plan.deletes  # omitempty


def test_nodes_joining_cordoned_relabelled_and_tainted_no_execute() -> None:
    c = cluster(ds=daemon_set(template={"metadata": {"labels": {"app": "agent"}}, "spec": {
        "nodeSelector": {"pool": "a"}, "containers": [{"name": "c", "image": "img:1"}]}}))
    for name in ("n1", "n2", "n3"):
        c.objects[("Node", "", name)]["metadata"]["labels"]["pool"] = "a"
    settle(c)
    assert list(by_node(c)) == ["n1", "n2", "n3"]
    c.add(node("n4", {"pool": "a"}))
    settle(c)
    assert list(by_node(c)) == ["n1", "n2", "n3", "n4"]  # a node joining gets its pod
    n1 = c.objects[("Node", "", "n1")]
    n1["spec"].update(unschedulable=True, taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
    settle(c)
    assert "n1" in by_node(c)  # cordoned: it keeps its pod
    c.objects[("Node", "", "n2")]["metadata"]["labels"]["pool"] = "b"
    settle(c)
    assert list(by_node(c)) == ["n1", "n3", "n4"]  # labels stopped matching: its pod goes
    c.objects[("Node", "", "n3")]["spec"]["taints"] = [{"key": "maintenance", "effect": "NoExecute"}]
    c.objects[("Node", "", "n4")]["spec"]["taints"] = [{"key": "maintenance", "effect": "NoSchedule"}]
    settle(c)
    assert list(by_node(c)) == ["n1", "n4"]  # NoExecute evicts; a NoSchedule taint keeps the running pod


def set_image(c: FakeCluster, image: str) -> None:
    ds = c.objects[("DaemonSet", "default", "agent")]
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = image
    ds["metadata"]["generation"] += 1


def test_rolling_update_with_max_unavailable_replaces_one_node_at_a_time() -> None:
    c = cluster(node("n1"), node("n2"), node("n3"), node("n4"))
    settle(c)
    set_image(c, "img:2")

    def at_most_one_down(c: FakeCluster) -> None:
        assert sum(1 for images in by_node(c).values() if images) >= 3

    seen: list[dict[str, list[str]]] = []
    settle(c, check=lambda c: (at_most_one_down(c), seen.append(by_node(c))))
    assert by_node(c) == {n: ["img:2"] for n in ("n1", "n2", "n3", "n4")}
    assert any(len(v) == 3 for v in seen)  # it did go one node at a time
    revisions = sorted((r["revision"], r["data"]["spec"]["template"]["spec"]["containers"][0]["image"])
                       for r in c.list("ControllerRevision"))
    assert revisions == [(1, "img:1"), (2, "img:2")]
    assert c.get("DaemonSet", "agent")["status"]["updatedNumberScheduled"] == 4


def test_rolling_update_with_max_surge_starts_the_new_pod_before_the_old_goes() -> None:
    c = cluster(node("n1"), node("n2"), node("n3"),
                ds=daemon_set(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0,
                                                                                   "maxSurge": 1}}))
    settle(c)
    set_image(c, "img:2")
    sync(c)
    assert sorted(map(len, by_node(c).values())) == [1, 1, 2]  # one node surged
    schedule_and_run(c, ready=False)
    assert not sync(c).deletes  # the new pod is not available: the old one stays
    schedule_and_run(c)

    def never_empty(c: FakeCluster) -> None:
        assert len(by_node(c)) == 3 and all(by_node(c).values())

    settle(c, check=never_empty)
    assert by_node(c) == {n: ["img:2"] for n in ("n1", "n2", "n3")}


def test_undo_renumbers_the_old_revision_and_history_is_cleaned() -> None:
    c = cluster(node("n1"), node("n2"))
    settle(c)
    set_image(c, "img:2")
    settle(c)
    set_image(c, "img:1")  # what kubectl rollout undo's patch does
    settle(c)
    revisions = sorted((r["revision"], r["data"]["spec"]["template"]["spec"]["containers"][0]["image"])
                       for r in c.list("ControllerRevision"))
    assert revisions == [(2, "img:2"), (3, "img:1")]
    assert by_node(c) == {"n1": ["img:1"], "n2": ["img:1"]}
    c.objects[("DaemonSet", "default", "agent")]["spec"]["revisionHistoryLimit"] = 0
    sync(c)
    assert [r["revision"] for r in c.list("ControllerRevision")] == [3]


def test_a_foreign_revision_holding_the_name_bumps_the_collision_count() -> None:
    c = cluster(node("n1"))
    settle(c)
    (rev,) = c.list("ControllerRevision")
    del c.objects[("ControllerRevision", "default", rev["metadata"]["name"])]
    foreign = copy.deepcopy(rev)
    foreign["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    c.add(foreign)
    plan = sync(c)
    assert plan.creates == 0 and c.get("DaemonSet", "agent")["status"]["collisionCount"] == 1
    sync(c)
    names = sorted(r["metadata"]["name"] for r in c.list("ControllerRevision"))
    assert len(names) == 2 and rev["metadata"]["name"] in names


def test_on_delete_waits_for_the_user_and_failed_pods_are_replaced() -> None:
    c = cluster(node("n1"), node("n2"), ds=daemon_set(strategy={"type": "OnDelete"}))
    settle(c)
    set_image(c, "img:2")
    settle(c)
    assert by_node(c) == {"n1": ["img:1"], "n2": ["img:1"]}
    victim = next(p for p in pods(c) if target_node(p) == "n1")
    del c.objects[("Pod", "default", victim["metadata"]["name"])]
    settle(c)
    assert by_node(c) == {"n1": ["img:2"], "n2": ["img:1"]}
    failed = next(p for p in pods(c) if target_node(p) == "n2")
    c.objects[("Pod", "default", failed["metadata"]["name"])]["status"]["phase"] = "Failed"
    settle(c)
    assert by_node(c) == {"n1": ["img:2"], "n2": ["img:2"]}


def test_duplicates_on_a_node_keep_the_oldest_and_expectations_hold_creations() -> None:
    c = cluster(node("n1"))
    assert sync(c, expectations_met=False).creates == 0
    sync(c)
    sync(c)
    assert len(pods(c)) == 1
    extra = copy.deepcopy(pods(c)[0])
    extra["metadata"] = {**extra["metadata"], "name": "agent-extra", "uid": "uid-extra"}
    c.tick(5)
    extra["metadata"]["creationTimestamp"] = stamp(c.now)
    c.objects[("Pod", "default", "agent-extra")] = extra
    plan = sync(c)
    assert [d.name for d in plan.deletes] == ["agent-extra"]


def test_a_deleting_or_unreadable_daemonset_is_left_alone_and_pods_for_vanished_nodes_go() -> None:
    c = cluster(node("n1"), node("n2"))
    sync(c)
    assert sorted(by_node(c)) == ["n1", "n2"]
    targets = {p["metadata"]["name"]: target_node(p) for p in pods(c)}
    del c.objects[("Node", "", "n2")]  # its pod was never bound: nothing else would remove it
    plan = sync(c)
    assert [targets[d.name] for d in plan.deletes] == ["n2"] and sorted(by_node(c)) == ["n1"]
    ds = c.objects[("DaemonSet", "default", "agent")]
    ds["metadata"]["deletionTimestamp"] = stamp(c.now)
    c.add(node("n3"))
    assert sync(c).actions == []
    del ds["metadata"]["deletionTimestamp"]
    ds["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "Bogus"}]}
    assert sync(c).actions == []


def test_a_daemonset_recreated_after_an_orphaning_delete_adopts_its_pods_and_history() -> None:
    c = cluster(node("n1"), node("n2"))
    settle(c)
    before = sorted(p["metadata"]["name"] for p in pods(c))
    (rev,) = c.list("ControllerRevision")
    del c.objects[("DaemonSet", "default", "agent")]
    for (kind, _, _), obj in c.objects.items():  # what --cascade=orphan leaves behind
        if kind in ("Pod", "ControllerRevision"):
            obj["metadata"].pop("ownerReferences", None)
    again = daemon_set()
    again["metadata"]["uid"] = "uid-agent-2"
    c.add(again)
    plan = sync(c)
    assert plan.creates == 0 and not plan.deletes
    assert sorted(p["metadata"]["name"] for p in pods(c)) == before
    (adopted,) = c.list("ControllerRevision")
    assert adopted["metadata"]["name"] == rev["metadata"]["name"]
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == "uid-agent-2"
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == "uid-agent-2" for p in pods(c))
    assert "collisionCount" not in c.get("DaemonSet", "agent").get("status", {})


def test_a_failed_pod_is_deleted_with_a_warning_then_its_node_backs_off() -> None:
    c = cluster(node("n1"), node("n2"))
    settle(c)
    for (kind, _, _), p in c.objects.items():
        if kind == "Pod":
            p["status"]["phase"] = "Failed"
    plan = reconcile_daemon_set(c.get("DaemonSet", "agent"), c.list("Node"), c.list("Pod", "default"),
                                c.list("ControllerRevision", "default"), c.now, backoff=frozenset({"n2"}))
    assert plan.failed_nodes == ["n1"] and len(plan.deletes) == 1
    assert plan.deletes[0].note.type == "Warning" and plan.deletes[0].note.reason == "FailedDaemonPod"
    assert plan.creates == 1  # n1 gets a new pod; n2 keeps its failed one (and gets none) for now
    c.apply(plan.actions)
    plan = reconcile_daemon_set(c.get("DaemonSet", "agent"), c.list("Node"), c.list("Pod", "default"),
                                c.list("ControllerRevision", "default"), c.now, backoff=frozenset({"n2"}))
    assert plan.creates == 0 and not plan.deletes
    plan = sync(c)  # the back-off passed
    assert plan.failed_nodes == ["n2"] and plan.creates == 1
