"""Field selectors: parsing, per-kind supported fields, matching and exact values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.fields import FieldSelectorError, field_value, one_term, parse_field_selector, supported_fields

POD = {
    "metadata": {"name": "web-1", "namespace": "default"},
    "spec": {"nodeName": "n1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
             "serviceAccountName": "default"},
    "status": {"phase": "Running", "podIP": "10.0.0.5"},
}

EVENT = {
    "metadata": {"name": "web-1.17", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "u-1",
                       "apiVersion": "v1", "resourceVersion": "42", "fieldPath": "spec.containers{c}"},
    "reason": "Scheduled", "type": "Normal", "source": {"component": "default-scheduler"},
    "reportingComponent": "default-scheduler",
}


@pytest.mark.parametrize(
    ("text", "kind", "obj", "expected"),
    [
        ("metadata.name=web-1", "Pod", POD, True),
        ("metadata.name==web-1", "Pod", POD, True),
        ("metadata.name!=web-1", "Pod", POD, False),
        ("spec.nodeName=n1,status.phase=Running", "Pod", POD, True),
        ("spec.nodeName=n1,status.phase!=Running", "Pod", POD, False),
        ("spec.nodeName=", "Pod", {"metadata": {"name": "p"}}, True),
        ("status.nominatedNodeName=", "Pod", POD, True),
        ("status.podIP=10.0.0.5", "Pod", POD, True),
        ("spec.restartPolicy=Always,spec.schedulerName=default-scheduler,spec.serviceAccountName=default",
         "Pod", POD, True),
        ("involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u-1", "Event", EVENT, True),
        ("involvedObject.fieldPath=spec.containers{c},involvedObject.kind=Pod", "Event", EVENT, True),
        ("reason=Scheduled,type=Normal,source=default-scheduler,reportingComponent=default-scheduler",
         "Event", EVENT, True),
        ("involvedObject.apiVersion=v1,involvedObject.resourceVersion=42", "Event", EVENT, True),
        ("spec.unschedulable=true", "Node", {"spec": {"unschedulable": True}}, True),
        ("spec.unschedulable=false", "Node", {"spec": {}}, True),
        ("type=kubernetes.io/tls", "Secret", {"type": "kubernetes.io/tls"}, True),
        ("status.phase=Active", "Namespace", {"status": {"phase": "Active"}}, True),
        ("status.replicas=3", "ReplicaSet", {"status": {"replicas": 3}}, True),
        ("status.replicas=0", "ReplicaSet", {"status": {}}, True),
        ("metadata.namespace=kube-system", "ConfigMap", {"metadata": {"namespace": "default"}}, False),
        ("", "Pod", POD, True),
    ],
)
def test_matching(text: str, kind: str, obj: dict, expected: bool) -> None:
    assert parse_field_selector(text, kind).matches(obj) is expected


@pytest.mark.parametrize(
    ("text", "kind", "field"),
    [("spec.nodeName=n1", "Node", "spec.nodeName"), ("spec.foo=1", "Pod", "spec.foo"),
     ("type=Opaque", "ConfigMap", "type"), ("metadata.labels=x", "Pod", "metadata.labels")],
)
def test_unsupported_fields_use_kubernetes_message(text: str, kind: str, field: str) -> None:
    with pytest.raises(FieldSelectorError) as info:
        parse_field_selector(text, kind)
    assert str(info.value) == f"field label not supported: {field}"


@pytest.mark.parametrize("text", ["metadata.name", "=x", "metadata.name=a,", "metadata.name=a\\q"])
def test_malformed_selectors_are_errors(text: str) -> None:
    with pytest.raises(FieldSelectorError):
        parse_field_selector(text, "Pod")


def test_exact_value_lets_the_server_index() -> None:
    sel = parse_field_selector("spec.nodeName=n1,status.phase!=Failed", "Pod")
    assert sel.exact_value("spec.nodeName") == "n1"
    assert sel.exact_value("status.phase") is None
    assert sel.exact_value("metadata.name") is None


def test_escaped_values() -> None:
    sel = parse_field_selector(r"metadata.name=a\,b\=c\\d", "Pod")
    assert sel.exact_value("metadata.name") == "a,b=c\\d"
    assert parse_field_selector(str(sel), "Pod") == sel


def test_supported_fields_and_values() -> None:
    assert "spec.nodeName" in supported_fields("Pod")
    assert supported_fields("ConfigMap") == ["metadata.name", "metadata.namespace"]
    assert field_value(EVENT, "source", "Event") == "default-scheduler"


_values = st.text(alphabet="ab,=\\.-x1", max_size=8)


@given(st.lists(st.tuples(st.sampled_from(["metadata.name", "spec.nodeName", "status.phase"]),
                          st.sampled_from(["=", "!="]), _values), max_size=4))
def test_string_form_round_trips(reqs: list[tuple[str, str, str]]) -> None:
    text = ",".join(f"{f}{op}{one_term('', v)[1:]}" for f, op, v in reqs)
    sel = parse_field_selector(text, "Pod")
    assert sorted(sel.requirements) == sorted(reqs)
    assert parse_field_selector(str(sel), "Pod") == sel
