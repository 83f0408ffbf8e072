"""The YAML decoder shared by the API server and the CLI: aliases on a budget, one nesting limit."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.depth import MAX_DEPTH
from kube.api.yaml_decode import MAX_ALIAS_NODES, YamlError, load_all
from tests.api.yaml_bombs import billion_laughs, nested, ten_thousand


def test_plain_documents_decode_as_pyyaml_does_with_timestamps_kept_as_text() -> None:
    text = "a: 1\nb: [x, 2.5, true, null]\nwhen: 2024-01-02T03:04:05Z\n---\n---\n- plain\n"
    assert load_all(text) == [{"a": 1, "b": ["x", 2.5, True, None], "when": "2024-01-02T03:04:05Z"}, None,
                              ["plain"]]
    assert load_all(b"") == []


def test_a_few_aliases_and_merge_keys_are_fine() -> None:
    text = """
env: &env [{name: A, value: "1"}, {name: B, value: "2"}]
base: &base {image: nginx, env: *env}
containers:
- <<: *base
  name: one
- <<: *base
  name: two
  image: busybox
"""
    [doc] = load_all(text)
    assert doc["containers"] == [
        {"name": "one", "image": "nginx", "env": doc["env"]},
        {"name": "two", "image": "busybox", "env": doc["env"]},
    ]
    # aliased values are copies: changing one place leaves the others alone
    doc["containers"][0]["env"].append("x")
    assert len(doc["env"]) == 2 and len(doc["containers"][1]["env"]) == 2


def test_billion_laughs_is_refused_at_once() -> None:
    body = billion_laughs()
    assert len(body) < 400
    started = time.perf_counter()
    with pytest.raises(YamlError, match="excessive aliasing"):
        load_all(body)
    assert time.perf_counter() - started < 0.05


def _strings(value: Any) -> int:
    return sum(_strings(v) for v in value) if isinstance(value, list) else 1


def test_ten_thousand_nodes_from_a_few_hundred_bytes_are_refused() -> None:
    body = ten_thousand()
    assert len(body) < 300 and _strings(yaml.safe_load(body)["data"]) == 10_000
    with pytest.raises(YamlError, match=f"more than {MAX_ALIAS_NODES} nodes") as err:
        load_all(body)
    assert err.value.line == 6  # the line where the total passes the budget


def test_nesting_past_the_limit_is_an_error_not_a_recursion() -> None:
    assert load_all(nested(MAX_DEPTH)) is not None
    for levels in (MAX_DEPTH + 1, 5_000, 100_000):  # libyaml has a limit of its own past 1,000
        with pytest.raises(YamlError, match="nested more than 100 levels|maximum nesting depth"):
            load_all(nested(levels))
        with pytest.raises(YamlError, match="nested more than 100 levels|maximum nesting depth"):
            load_all("a: " + nested(levels, "{b: ", "}"))


def test_broken_input_is_a_yaml_error_with_its_line() -> None:
    cases = {"a: [\n": 2, "a: &x [*x]\n": 1, "a: *nope\n": 1, "? [a]\n: b\n": 1, "a: b: c\n": 1,
             "a: !!python/object:os.system x\n": 1}
    for text, line in cases.items():
        with pytest.raises(YamlError) as err:
            load_all(text)
        assert err.value.line == line, (text, err.value)


def test_odd_scalars_become_json() -> None:
    assert load_all("!!binary aGVsbG8=\n") == ["aGVsbG8="]
    assert load_all("1: a\n~: c\n2.5: d\n") == [{"1": "a", "null": "c", "2.5": "d"}]
    assert load_all("t: !!timestamp 2024-01-02\ns: !!set {a, b}\n") == [{"t": "2024-01-02", "s": {"a": None,
                                                                                                  "b": None}}]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_json_values_round_trip_through_yaml(value: Any) -> None:
    assert load_all(yaml.safe_dump(value)) == [value]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!?|>'\"#%@` \n\t<=~0.1")), max_size=80))
def test_any_text_decodes_or_is_a_yaml_error(text: str) -> None:
    try:
        load_all(text)
    except YamlError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_any_bytes_decode_or_are_a_yaml_error(data: bytes) -> None:
    try:
        load_all(data)
    except YamlError:
        pass
