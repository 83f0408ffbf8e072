"""mark_deleting: the generic deletion rule, with each kind's part asked of its strategy."""

from __future__ import annotations

from typing import Any

from kube.api.registry import by_gvk
from kube.apiserver.storage.delete_path import DeleteOptions, mark_deleting

POD, NAMESPACE, CONFIG_MAP = (by_gvk("", "v1", k) for k in ("Pod", "Namespace", "ConfigMap"))


def obj(kind: str, **parts: Any) -> dict[str, Any]:
    meta = parts.pop("metadata", {})
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "namespace": "default", "generation": 1,
                                                           **meta}, **parts}


def test_nothing_to_wait_for_is_removed_now() -> None:
    assert CONFIG_MAP is not None and POD is not None
    assert mark_deleting(CONFIG_MAP, obj("ConfigMap"), DeleteOptions()) is None
    assert mark_deleting(POD, obj("Pod", spec={}), DeleteOptions()) is None  # unbound


def test_propagation_adds_its_finalizer_and_marks() -> None:
    assert CONFIG_MAP is not None
    marked = mark_deleting(CONFIG_MAP, obj("ConfigMap"), DeleteOptions(propagation="Orphan"))
    assert marked is not None and marked["metadata"]["finalizers"] == ["orphan"]
    assert marked["metadata"]["deletionTimestamp"] and marked["metadata"]["deletionGracePeriodSeconds"] == 0
    assert marked["metadata"]["generation"] == 2
    fg = mark_deleting(CONFIG_MAP, obj("ConfigMap"), DeleteOptions(propagation="Foreground"))
    assert fg is not None and fg["metadata"]["finalizers"] == ["foregroundDeletion"]


def test_a_running_pod_is_marked_with_its_grace_and_a_shorter_one_wins() -> None:
    assert POD is not None
    running = obj("Pod", spec={"nodeName": "n1", "terminationGracePeriodSeconds": 20}, status={"phase": "Running"})
    marked = mark_deleting(POD, running, DeleteOptions())
    assert marked is not None and marked["metadata"]["deletionGracePeriodSeconds"] == 20
    shorter = mark_deleting(POD, marked, DeleteOptions(grace_period=5))
    assert shorter is not None and shorter["metadata"]["deletionGracePeriodSeconds"] == 5
    assert mark_deleting(POD, marked, DeleteOptions(grace_period=0)) is None  # the node agent's final delete
    longer = mark_deleting(POD, marked, DeleteOptions(grace_period=60))
    assert longer is not None and longer["metadata"]["deletionGracePeriodSeconds"] == 20


def test_a_namespace_waits_for_its_finalizers_and_turns_terminating() -> None:
    assert NAMESPACE is not None
    ns = obj("Namespace", metadata={"namespace": None}, spec={"finalizers": ["kubernetes"]},
             status={"phase": "Active"})
    marked = mark_deleting(NAMESPACE, ns, DeleteOptions())
    assert marked is not None and marked["status"]["phase"] == "Terminating"
    assert ns["status"]["phase"] == "Active", "the stored object is not changed in place"
    finalized = obj("Namespace", spec={"finalizers": []}, status={"phase": "Active"})
    assert mark_deleting(NAMESPACE, finalized, DeleteOptions()) is None
