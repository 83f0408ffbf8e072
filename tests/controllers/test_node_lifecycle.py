"""Node lifecycle on a fake clock: Unknown after the grace period, the unreachable taint,
recovery, and taint-based eviction after tolerationSeconds (300 s by default)."""

from __future__ import annotations

from datetime import timedelta

from kube.api.tolerations import NOT_READY, UNREACHABLE
from kube.controllers import actions as A
from kube.controllers.node_lifecycle import UNKNOWN_REASON, evictions, reconcile_node_health
from kube.controllers.taint_eviction import eviction_delay
from tests.controllers.fake_cluster import T0, stamp
from tests.controllers.workloads import pod


def node(ready: str = "True", taints: list | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "n1", "creationTimestamp": stamp(T0), "resourceVersion": "3"},
            "spec": {"taints": taints} if taints else {},
            "status": {"conditions": [{"type": "Ready", "status": ready, "lastHeartbeatTime": stamp(T0)}]}}


def lease(renewed_after: float) -> dict:
    return {"spec": {"renewTime": (T0 + timedelta(seconds=renewed_after)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}}


def test_fresh_lease_keeps_the_node_ready_and_schedules_a_recheck() -> None:
    plan = reconcile_node_health(node(), lease(30), T0 + timedelta(seconds=50), 40)
    assert plan.actions == [] and 19 < plan.recheck_after <= 21


def test_stale_lease_marks_unknown_and_taints_unreachable() -> None:
    now = T0 + timedelta(seconds=71)
    plan = reconcile_node_health(node(), lease(30), now, 40)
    status, taint = plan.actions
    assert isinstance(status, A.UpdateStatus)
    ready = next(c for c in status.status["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "Unknown" and ready["reason"] == UNKNOWN_REASON
    assert {c["type"] for c in status.status["conditions"]} >= {"Ready", "MemoryPressure", "DiskPressure"}
    assert isinstance(taint, A.Patch)
    assert taint.patch["spec"]["taints"] == [{"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp(now)}]


def test_not_ready_node_gets_the_not_ready_taint_and_recovery_removes_it() -> None:
    plan = reconcile_node_health(node("False"), lease(0), T0 + timedelta(seconds=5), 40)
    (taint,) = plan.actions
    assert taint.patch["spec"]["taints"][0]["key"] == NOT_READY
    other = {"key": "dedicated", "value": "x", "effect": "NoSchedule"}
    tainted = node("True", [other, {"key": UNREACHABLE, "effect": "NoExecute"}])
    (clear,) = reconcile_node_health(tainted, lease(0), T0 + timedelta(seconds=5), 40).actions
    assert clear.patch["spec"]["taints"] == [other]


def test_default_toleration_is_300_seconds_and_explicit_ones_win() -> None:
    taints = [{"key": UNREACHABLE, "effect": "NoExecute"}]
    assert eviction_delay(pod("p", {}), taints) == 300
    short = pod("p", {}, spec={"tolerations": [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
                                                  "tolerationSeconds": 5}]})
    assert eviction_delay(short, taints) == 5
    forever = pod("p", {}, spec={"tolerations": [{"operator": "Exists"}]})
    assert eviction_delay(forever, taints) is None
    assert eviction_delay(pod("p", {}), [{"key": "other", "effect": "NoExecute"}]) == 0


def test_pods_are_evicted_after_their_toleration() -> None:
    tainted = node("Unknown", [{"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp(T0)}])
    p = pod("p", {})
    p["metadata"]["uid"] = "u1"
    early = evictions(tainted, [p], T0 + timedelta(seconds=100))
    assert early.actions == [] and early.recheck_after == 200
    (delete,) = evictions(tainted, [p], T0 + timedelta(seconds=301)).actions
    assert delete == A.DeletePod("default", "p", "u1")
    assert evictions(node(), [p], T0 + timedelta(seconds=1000)).actions == []


def test_toleration_counts_from_when_the_taint_was_seen_and_eviction_is_an_event() -> None:
    """timeAdded has whole seconds; the controller's own sighting is exact and later, so a
    one-second toleration is never cut short by the truncation."""
    tainted = node("Unknown", [{"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp(T0)}])
    p = pod("p", {})
    seen = T0 + timedelta(seconds=0.9)
    short = evictions(tainted, [p], T0 + timedelta(seconds=1.5), default_seconds=1, seen=seen)
    assert short.actions == [] and abs(short.recheck_after - 0.4) < 1e-6
    (delete,) = evictions(tainted, [p], T0 + timedelta(seconds=1.95), default_seconds=1, seen=seen).actions
    assert delete.note is not None and delete.note.reason == "TaintManagerEviction"
    assert delete.note.message == "Marking for deletion Pod default/p"


def test_a_node_marked_unknown_records_node_not_ready_under_its_name_as_uid() -> None:
    status, _ = reconcile_node_health(node(), lease(0), T0 + timedelta(seconds=41), 40).actions
    assert status.note is not None and status.note.reason == "NodeNotReady"
    assert status.note.reference == {"kind": "Node", "apiVersion": "v1", "name": "n1", "uid": "n1"}
    assert status.note.message == "Node n1 status is now: NodeNotReady"
