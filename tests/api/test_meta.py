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
    assert meta.object_key(obj) == "ns/p"
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
    assert meta.object_key({"metadata": {"name": "n1"}}) == "n1"


def test_object_keys_are_namespace_slash_name_or_the_name_alone() -> None:
    """client-go's MetaNamespaceKeyFunc and SplitMetaNamespaceKey: cluster-scoped keys have no slash."""
    node = {"metadata": {"name": "n1", "namespace": ""}}
    assert meta.object_key(node) == "n1" and meta.object_key({"metadata": {"name": "n1", "namespace": None}}) == "n1"
    assert meta.object_key({}) == ""
    assert meta.join_key("ns", "p") == "ns/p" and meta.join_key(None, "n1") == "n1" and meta.join_key("", "n1") == "n1"
    assert meta.split_key("ns/p") == ("ns", "p") and meta.split_key("n1") == (None, "n1")
    for key in ("ns/p", "n1", "kube-system/coredns-7f9c"):
        assert meta.join_key(*meta.split_key(key)) == key
