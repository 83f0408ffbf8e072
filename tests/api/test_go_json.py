"""html_safe writes what Go's encoding/json writes: the same JSON value, with <, >, &,
U+2028 and U+2029 escaped inside strings, and nothing else changed."""

from __future__ import annotations

import json

import orjson
from hypothesis import given
from hypothesis import strategies as st

from kube.api.go_json import html_safe

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                           max_leaves=20)


def test_the_escapes_go_writes() -> None:
    data = orjson.dumps({"message": 'configmaps "a<b>&c" not found', "s": "x\u2028y\u2029z", "n": 1})
    assert html_safe(data) == (b'{"message":"configmaps \\"a\\u003cb\\u003e\\u0026c\\" not found",'
                               b'"s":"x\\u2028y\\u2029z","n":1}')
    plain = orjson.dumps({"a": "b\u00e9\u20ac"})
    assert html_safe(plain) == plain  # other non-ASCII stays UTF-8, as Go writes it


@given(JSON_VALUES)
def test_the_value_is_unchanged_and_no_raw_html_byte_is_left(value: object) -> None:
    out = html_safe(orjson.dumps(value))
    assert json.loads(out) == value
    assert not any(c in out for c in (b"<", b">", b"&", "\u2028".encode(), "\u2029".encode()))
