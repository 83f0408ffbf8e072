"""Metadata accessors read defensively and timestamps are Kubernetes-shaped."""

from __future__ import annotations

import re
from datetime import UTC

from kube.api import meta


def test_now_rfc3339_shape_and_parse() -> None:
    text = meta.now_rfc3339()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text)
    assert meta.parse_rfc3339(text).tzinfo is not None
    assert meta.parse_rfc3339(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == text
    assert re.fullmatch(r".*\.\d{6}Z", meta.now_rfc3339_micro())


def test_new_uid_is_unique_uuid() -> None:
    uids = {meta.new_uid() for _ in range(100)}
    assert len(uids) == 100
    assert all(re.fullmatch(r"[0-9a-f-]{36}", u) for u in uids)


def test_accessors() -> None:
    obj = {"metadata": {"name": "p", "namespace": "ns", "uid": "u1", "labels": {"a": "b"},
                        "ownerReferences": [{"uid": "x", "kind": "ReplicaSet"},
                                            {"uid": "rs-1", "controller": True, "kind": "ReplicaSet"}]}}
    assert meta.name(obj) == "p" and meta.namespace(obj) == "ns" and meta.uid(obj) == "u1"
    assert meta.namespaced_name(obj) == "ns/p"
    assert meta.labels(obj) == {"a": "b"}
    assert meta.controller_ref(obj) == {"uid": "rs-1", "controller": True, "kind": "ReplicaSet"}
    assert meta.is_controlled_by(obj, "rs-1")
    assert not meta.is_controlled_by(obj, "x")


def test_accessors_tolerate_missing_and_wrong_types() -> None:
    for obj in ({}, {"metadata": None}, {"metadata": []}, {"metadata": {"name": 3, "labels": "x",
                                                                          "ownerReferences": {"a": 1}}}):
        assert meta.name(obj) == ""
        assert meta.labels(obj) == {}
        assert meta.owner_refs(obj) == []
        assert meta.controller_ref(obj) is None
        assert not meta.is_controlled_by(obj, "")
    assert meta.namespaced_name({"metadata": {"name": "n1"}}) == "n1"
