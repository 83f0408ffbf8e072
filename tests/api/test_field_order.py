"""go_order only reorders: the same fields with the same values, TypeMeta and ObjectMeta
first, then the Go struct's order; applying it twice changes nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kube.api.field_order import go_object_meta, go_order

KINDS = st.sampled_from(["Pod", "Status", "ConfigMap", "Secret", "Event", "Deployment", "Widget", "RoleBinding",
                         "ClusterRole", "EndpointSlice"])
FIELDS = st.sampled_from(["status", "spec", "metadata", "apiVersion", "data", "type", "code", "message",
                          "reason", "details", "immutable", "count", "zzz", "subjects", "roleRef", "rules",
                          "aggregationRule", "addressType", "endpoints", "ports"])


@given(KINDS, st.dictionaries(FIELDS, st.integers(), max_size=10))
def test_only_the_order_changes(kind: str, fields: dict) -> None:
    body = {**fields, "kind": kind}
    ordered = go_order(body)
    assert ordered == body and list(go_order(ordered)) == list(ordered)
    assert list(ordered)[0] == "kind"
    if "metadata" in body:
        assert list(ordered).index("metadata") <= 2


def test_a_status_reads_as_kubernetes_writes_it() -> None:
    status = {"code": 422, "details": {"causes": [{"field": "spec.x", "message": "m", "reason": "FieldValueInvalid"}],
                                       "kind": "pods", "name": "p"},
              "reason": "Invalid", "message": "bad", "status": "Failure", "metadata": {}, "apiVersion": "v1",
              "kind": "Status"}
    ordered = go_order(status)
    assert list(ordered) == ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"]
    assert list(ordered["details"]) == ["name", "kind", "causes"]
    assert list(ordered["details"]["causes"][0]) == ["reason", "message", "field"]


def test_list_items_without_kind_take_the_lists_item_kind() -> None:
    listed = go_order({"items": [{"status": {}, "spec": {}, "metadata": {}}], "metadata": {}, "apiVersion": "v1",
                       "kind": "PodList"})
    assert list(listed) == ["kind", "apiVersion", "metadata", "items"]
    assert list(listed["items"][0]) == ["metadata", "spec", "status"]


def test_rbac_and_endpointslice_bodies_follow_their_go_structs() -> None:
    """rbac/v1 and discovery/v1 types.go: no spec/status, their own fields in struct order."""
    for kind, fields in {"Role": ["rules"], "ClusterRole": ["rules", "aggregationRule"],
                         "RoleBinding": ["subjects", "roleRef"], "ClusterRoleBinding": ["subjects", "roleRef"],
                         "EndpointSlice": ["addressType", "endpoints", "ports"]}.items():
        body = {**{f: [] for f in reversed(fields)}, "metadata": {}, "apiVersion": "v1", "kind": kind}
        assert list(go_order(body)) == ["kind", "apiVersion", "metadata", *fields]
        listed = go_order({"kind": f"{kind}List", "items": [dict(reversed(body.items()))]})
        assert list(listed["items"][0]) == ["kind", "apiVersion", "metadata", *fields]


def test_object_and_list_metadata_follow_object_meta_and_list_meta_without_touching_the_input() -> None:
    meta = {"labels": {"a": "b"}, "creationTimestamp": "t", "resourceVersion": "7", "uid": "u", "namespace": "ns",
            "name": "n", "zzz": 1}
    body = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": meta, "data": {}}
    ordered = go_order(body)
    assert list(ordered["metadata"]) == ["name", "namespace", "uid", "resourceVersion", "creationTimestamp",
                                         "labels", "zzz"]
    assert ordered["metadata"] == meta and list(body["metadata"]) == list(meta) and body["metadata"] is meta
    listed = go_order({"kind": "ConfigMapList", "apiVersion": "v1", "items": [],
                       "metadata": {"remainingItemCount": 1, "continue": "c", "resourceVersion": "9"}})
    assert list(listed["metadata"]) == ["resourceVersion", "continue", "remainingItemCount"]
    status = go_order({"kind": "Status", "metadata": {"continue": "c", "resourceVersion": "1"}, "code": 1})
    assert list(status["metadata"]) == ["resourceVersion", "continue"]
    assert go_object_meta({"name": "n", "uid": "u"}) == {"name": "n", "uid": "u"}
