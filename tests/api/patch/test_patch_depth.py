"""Every patch flavour checks the nesting limit before it recurses; JSON patch copies are budgeted."""

from __future__ import annotations

from typing import Any

import pytest

from kube.api.depth import MAX_DEPTH, TooDeep, depth
from kube.api.patch import (
    PatchError,
    apply_json_patch,
    apply_merge_patch,
    apply_strategic_merge_patch,
    server_side_apply,
)
from kube.api.patch.json_patch import MAX_COPIED_NODES


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}


def test_a_thousand_levels_deep_patch_is_too_deep_for_every_flavour() -> None:
    patch = {"data": _deep(1_000)}
    with pytest.raises(TooDeep):
        apply_merge_patch(CONFIG_MAP, patch)
    with pytest.raises(TooDeep):
        apply_strategic_merge_patch(CONFIG_MAP, patch, "ConfigMap")
    with pytest.raises(TooDeep):
        server_side_apply(CONFIG_MAP, {**CONFIG_MAP, **patch}, "ConfigMap", "me")
    with pytest.raises(TooDeep):
        apply_json_patch(CONFIG_MAP, [{"op": "add", "path": "/data", "value": _deep(1_000)}])


def test_patches_within_the_limit_apply() -> None:
    value = _deep(MAX_DEPTH - 1)
    assert depth(apply_merge_patch({}, {"x": value})) == MAX_DEPTH
    assert depth(apply_json_patch({}, [{"op": "add", "path": "/x", "value": value}])) == MAX_DEPTH


def test_json_patch_checks_the_depth_a_value_lands_at() -> None:
    doc = {"a": _deep(MAX_DEPTH - 2)}  # depth MAX_DEPTH - 1
    deepest = "/a" + "/a" * (MAX_DEPTH - 3)
    assert depth(apply_json_patch(doc, [{"op": "add", "path": deepest + "/b", "value": 1}])) == MAX_DEPTH - 1
    assert depth(apply_json_patch(doc, [{"op": "add", "path": deepest + "/b", "value": {}}])) == MAX_DEPTH
    with pytest.raises(TooDeep):
        apply_json_patch(doc, [{"op": "add", "path": deepest + "/b", "value": {"c": {}}}])
    with pytest.raises(TooDeep):  # copying a value into itself doubles the depth
        apply_json_patch(doc, [{"op": "copy", "from": "/a", "path": deepest + "/b"}])
    with pytest.raises(TooDeep):  # moved under a 10-level branch
        apply_json_patch({**doc, "b": _deep(10)}, [{"op": "move", "from": "/a", "path": "/b" + "/a" * 8 + "/x"}])


def test_copies_that_double_the_document_run_out_of_budget() -> None:
    ops = [{"op": "copy", "from": "", "path": f"/x{i}"} for i in range(40)]
    with pytest.raises(PatchError, match=f"copies more than {MAX_COPIED_NODES} nodes"):
        apply_json_patch({"a": {"b": 1}}, ops)
    assert apply_json_patch({"a": {"b": 1}}, ops[:3])["x2"]["x1"]["x0"] == {"a": {"b": 1}}
