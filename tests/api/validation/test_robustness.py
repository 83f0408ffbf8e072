"""validate() never raises, whatever JSON a client sends (property test over every kind)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.defaults import apply_defaults
from kube.api.validation import INTERNAL_ERROR, validate
from tests.api.json_paths import set_at, value_paths
from tests.api.validation.validation_objects import KINDS, sample

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


def _no_internal_errors(obj: Any, old: Any = None) -> None:
    errors = validate(obj, old)
    assert all(e.type != INTERNAL_ERROR for e in errors), [e.message() for e in errors]
    for e in errors:
        assert e.field or e.type == "FieldValueTooLong" or e.type == "FieldValueTypeInvalid"
        e.message()
        e.cause()


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(KINDS), st.data(), _json)
def test_any_value_at_any_path_gives_field_errors_not_exceptions(kind: str, data: st.DataObject, junk: Any) -> None:
    obj = sample(kind)
    path = data.draw(st.sampled_from([p for p in value_paths(obj) if len(p) >= 1 and p[0] not in ("apiVersion", "kind")]))
    set_at(obj, path, junk)
    _no_internal_errors(obj)
    _no_internal_errors(obj, sample(kind))
    _no_internal_errors(sample(kind), obj)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KINDS), st.dictionaries(st.sampled_from(["metadata", "spec", "status", "data", "subsets",
                                                                 "involvedObject", "type"]), _json, max_size=4))
def test_arbitrary_bodies_of_known_kinds(kind: str, body: dict[str, Any]) -> None:
    obj = {"apiVersion": sample(kind)["apiVersion"], "kind": kind, **body}
    apply_defaults(obj)
    _no_internal_errors(obj)
