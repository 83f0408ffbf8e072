"""JSON patch (RFC 6902) with RFC 6901 pointers, including failures."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.api.patch import PatchError, apply_json_patch

DOC = {"metadata": {"labels": {"a/b": "1", "m~n": "2"}}, "spec": {"list": [1, 2, 3]}}


@pytest.mark.parametrize(
    ("ops", "check"),
    [
        ([{"op": "add", "path": "/spec/x", "value": 1}], lambda d: d["spec"]["x"] == 1),
        ([{"op": "add", "path": "/spec/list/-", "value": 4}], lambda d: d["spec"]["list"] == [1, 2, 3, 4]),
        ([{"op": "add", "path": "/spec/list/0", "value": 0}], lambda d: d["spec"]["list"] == [0, 1, 2, 3]),
        ([{"op": "add", "path": "/spec/list/3", "value": 9}], lambda d: d["spec"]["list"] == [1, 2, 3, 9]),
        ([{"op": "remove", "path": "/metadata/labels/a~1b"}], lambda d: d["metadata"]["labels"] == {"m~n": "2"}),
        ([{"op": "replace", "path": "/metadata/labels/m~0n", "value": "3"}],
         lambda d: d["metadata"]["labels"]["m~n"] == "3"),
        ([{"op": "replace", "path": "/spec/list/1", "value": 7}], lambda d: d["spec"]["list"] == [1, 7, 3]),
        ([{"op": "move", "from": "/spec/list", "path": "/moved"}],
         lambda d: d["moved"] == [1, 2, 3] and "list" not in d["spec"]),
        ([{"op": "copy", "from": "/spec/list/0", "path": "/spec/first"}],
         lambda d: d["spec"]["first"] == 1 and d["spec"]["list"] == [1, 2, 3]),
        ([{"op": "test", "path": "/spec/list", "value": [1, 2, 3]}, {"op": "remove", "path": "/spec"}],
         lambda d: "spec" not in d),
        ([{"op": "replace", "path": "", "value": {"x": 1}}], lambda d: d == {"x": 1}),
        ([], lambda d: d == DOC),
    ],
)
def test_operations(ops: list[dict[str, Any]], check: Any) -> None:
    before = copy.deepcopy(DOC)
    assert check(apply_json_patch(DOC, ops))
    assert before == DOC


@pytest.mark.parametrize(
    ("ops", "fragment"),
    [
        ([{"op": "remove", "path": "/spec/missing"}], "does not exist"),
        ([{"op": "replace", "path": "/spec/missing", "value": 1}], "does not exist"),
        ([{"op": "add", "path": "/nope/x", "value": 1}], "does not exist"),
        ([{"op": "add", "path": "/spec/list/9", "value": 1}], "out of range"),
        ([{"op": "add", "path": "/spec/list/01", "value": 1}], "invalid array index"),
        ([{"op": "remove", "path": "/spec/list/-"}], "invalid array index"),
        ([{"op": "test", "path": "/spec/list/0", "value": 2}], "test failed"),
        ([{"op": "test", "path": "/spec/list/0", "value": True}], "test failed"),
        ([{"op": "jump", "path": "/spec"}], 'unknown "op"'),
        ([{"op": "add", "value": 1}], 'missing "path"'),
        ([{"op": "add", "path": "/x"}], 'missing "value"'),
        ([{"op": "add", "path": "x", "value": 1}], 'must start with "/"'),
        ([{"op": "remove", "path": "/a~2"}], "invalid escape"),
        ([{"op": "move", "from": "/spec", "path": "/spec/inner"}], "its own child"),
        (["add"], "must be an object"),
        ({"op": "add"}, "must be a list"),
    ],
)
def test_failures_are_patch_errors(ops: Any, fragment: str) -> None:
    with pytest.raises(PatchError) as info:
        apply_json_patch(DOC, ops)
    assert fragment in str(info.value)


def test_a_failed_operation_leaves_the_input_untouched() -> None:
    before = copy.deepcopy(DOC)
    with pytest.raises(PatchError):
        apply_json_patch(DOC, [{"op": "remove", "path": "/spec/list/0"}, {"op": "test", "path": "/x", "value": 1}])
    assert DOC == before
