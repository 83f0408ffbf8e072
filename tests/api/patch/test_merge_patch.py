"""JSON merge patch (RFC 7386), including the RFC's own examples."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.patch import apply_merge_patch, create_merge_patch

# RFC 7386 appendix A
RFC_CASES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "expected"), RFC_CASES)
def test_rfc_7386_examples(original: Any, patch: Any, expected: Any) -> None:
    before = copy.deepcopy((original, patch))
    assert apply_merge_patch(original, patch) == expected
    assert (original, patch) == before  # inputs untouched


def test_kubectl_scale_patch() -> None:
    deploy = {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c"}]}}}}
    result = apply_merge_patch(deploy, {"spec": {"replicas": 5}})
    assert result["spec"] == {"replicas": 5, "template": {"spec": {"containers": [{"name": "c"}]}}}


json_scalars = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from(["a", "b", ""]))
json_objects = st.recursive(
    st.dictionaries(st.sampled_from("abcd"), json_scalars, max_size=3),
    lambda inner: st.dictionaries(st.sampled_from("abcd"), st.one_of(json_scalars, inner,
                                                                       st.lists(json_scalars, max_size=2)),
                                  max_size=3),
    max_leaves=10,
)


@given(json_objects, json_objects)
def test_created_patch_turns_original_into_modified(original: dict, modified: dict) -> None:
    assert apply_merge_patch(original, create_merge_patch(original, modified)) == modified


@given(json_objects, json_objects)
def test_applying_twice_changes_nothing_more(original: dict, patch: dict) -> None:
    once = apply_merge_patch(original, patch)
    assert apply_merge_patch(once, patch) == once
