"""go_order only reorders: the same fields with the same values, TypeMeta and ObjectMeta
first, then the Go struct's order; applying it twice changes nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kube.api.field_order import go_order

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
