"""The one nesting limit (kube/api/depth.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.depth import MAX_DEPTH, TooDeep, check_depth, depth


def _nest(levels: int) -> Any:
    value: Any = {}
    for i in range(levels - 1):
        value = {"a": value} if i % 2 else [value]
    return value


def test_the_limit_is_inclusive_and_checked_without_recursion() -> None:
    check_depth(_nest(MAX_DEPTH))
    for levels in (MAX_DEPTH + 1, 10_000, 50_000):
        with pytest.raises(TooDeep, match="more than 100 levels"):
            check_depth(_nest(levels))
    assert depth(_nest(50_000)) == 50_000


def test_scalars_and_empty_containers() -> None:
    assert [depth(v) for v in (1, "x", None, {}, [], [[]], {"a": [1]})] == [0, 0, 0, 1, 1, 2, 2]
    check_depth("x", limit=0)
    with pytest.raises(TooDeep):
        check_depth([], limit=0)


_json = st.recursive(st.none() | st.integers() | st.text(max_size=3),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                 max_size=3),
                     max_leaves=30)


@given(_json, st.integers(0, 12))
def test_check_depth_raises_exactly_past_the_limit(value: Any, limit: int) -> None:
    try:
        check_depth(value, limit)
    except TooDeep:
        assert depth(value) > limit
    else:
        assert depth(value) <= limit
