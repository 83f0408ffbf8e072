"""Label selectors: string form, metav1.LabelSelector, matching against a set-semantics oracle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api import labels
from kube.api.labels import Selector, SelectorError, from_label_selector, parse, to_label_selector_string

# ---- parsing and printing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("", ""),
        ("a=b", "a=b"),
        ("a==b", "a=b"),
        ("a!=b", "a!=b"),
        ("  a = b ,  c != d ", "a=b,c!=d"),
        ("env in (prod, qa)", "env in (prod,qa)"),
        ("env notin (qa,prod)", "env notin (prod,qa)"),
        ("tier", "tier"),
        ("!tier", "!tier"),
        ("a=", "a="),
        ("a in ()", "a in ()"),
        ("n>3,m<10", "m<10,n>3"),
        ("example.com/app=web", "example.com/app=web"),
        ("z=1,a=2", "a=2,z=1"),
    ],
)
def test_parse_prints_canonical_form(text: str, printed: str) -> None:
    assert str(parse(text)) == printed


def test_kubernetes_style_string_is_understood() -> None:
    sel = parse("a=b,c in (d,e),!f")
    assert sel.requirements == (
        ("a", labels.EQUALS, frozenset({"b"})),
        ("c", labels.IN, frozenset({"d", "e"})),
        ("f", labels.DOES_NOT_EXIST, frozenset()),
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a in (x", "expected: ',' or ')'"),
        ("a b", "found 'b'"),
        ("a=b,", "expected: identifier"),
        ("a in x", "expected: '('"),
        ("!", "identifier"),
        ("a=b=c", "found '='"),
        ("a=$x", 'values[0][a]: Invalid value: "$x"'),
        ("-a=b", 'key: Invalid value: "-a"'),
        ("Bad_Prefix/a=b", "prefix part"),
        ("a" * 64 + "=b", "no more than 63 characters"),
        ("a=" + "b" * 64, "no more than 63 characters"),
        ("n>x", "must be an integer"),
        ("in=x", "found 'in'"),
    ],
)
def test_bad_selectors_give_clear_errors(text: str, fragment: str) -> None:
    with pytest.raises(SelectorError) as info:
        parse(text)
    assert fragment in str(info.value)


def test_non_string_is_an_error() -> None:
    with pytest.raises(SelectorError):
        parse(42)  # type: ignore[arg-type]


# ---- matching ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "matching", "not_matching"),
    [
        ("a=b", {"a": "b", "x": "y"}, {"a": "c"}),
        ("a!=b", {}, {"a": "b"}),
        ("a in (x,y)", {"a": "y"}, {}),
        ("a notin (x,y)", {}, {"a": "x"}),
        ("a", {"a": ""}, {"b": "a"}),
        ("!a", {"b": "a"}, {"a": ""}),
        ("a=", {"a": ""}, {}),
        ("n>3", {"n": "4"}, {"n": "3"}),
        ("n<3", {"n": "-1"}, {"n": "x"}),
        ("a=b,c", {"a": "b", "c": "d"}, {"a": "b"}),
    ],
)
def test_matching(text: str, matching: dict[str, str], not_matching: dict[str, str]) -> None:
    sel = parse(text)
    assert sel.matches(matching)
    assert not sel.matches(not_matching)


def test_empty_selector_matches_everything_and_nothing_matches_nothing() -> None:
    assert parse("").empty() and parse("").matches({"a": "b"}) and parse("").matches(None)
    nothing = from_label_selector(None)
    assert not nothing.empty() and not nothing.matches({}) and not nothing.matches({"a": "b"})
    assert from_label_selector({}).empty() and from_label_selector({}).matches({"x": "y"})


def test_exact_value_and_from_labels() -> None:
    sel = labels.from_labels({"app": "web", "tier": "fe"})
    assert str(sel) == "app=web,tier=fe"
    assert sel.exact_value("app") == "web" and sel.exact_value("zone") is None
    assert parse("app in (web)").exact_value("app") == "web"


# ---- metav1.LabelSelector ------------------------------------------------------------------------


def test_from_label_selector_combines_labels_and_expressions() -> None:
    sel = from_label_selector({
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "qa"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "tier", "operator": "Exists"},
            {"key": "zone", "operator": "NotIn", "values": ["z9"]},
        ],
    })
    assert str(sel) == "app=web,!canary,env in (prod,qa),tier,zone notin (z9)"
    assert sel.matches({"app": "web", "env": "qa", "tier": "x", "zone": "z1"})
    assert not sel.matches({"app": "web", "env": "qa", "tier": "x", "canary": "1"})
    assert to_label_selector_string({"matchLabels": {"b": "2", "a": "1"}}) == "a=1,b=2"


@pytest.mark.parametrize(
    ("selector", "fragment"),
    [
        ({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}, "not a valid label selector operator"),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}, "values set can't be empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}, "must be empty"),
        ({"matchLabels": {"a": 1}}, "must be a string"),
        ({"matchLabels": {"a b": "c"}}, 'key: Invalid value: "a b"'),
        ({"matchExpressions": "nope"}, "must be a list"),
        ("app=web", "must be an object"),
    ],
)
def test_bad_label_selectors(selector: object, fragment: str) -> None:
    with pytest.raises(SelectorError) as info:
        from_label_selector(selector)  # type: ignore[arg-type]
    assert fragment in str(info.value)


# ---- properties ----------------------------------------------------------------------------------

_keys = st.sampled_from(["a", "b", "app", "example.com/tier", "k8s.io/zone-1"])
_values = st.sampled_from(["", "x", "y", "web", "v1.2", "A_b-c"])
_ints = st.integers(-5, 5).map(str)


@st.composite
def requirements(draw: st.DrawFn) -> labels.Requirement:
    key = draw(_keys)
    op = draw(st.sampled_from(labels.OPERATORS))
    if op in (labels.EXISTS, labels.DOES_NOT_EXIST):
        vals: set[str] = set()
    elif op in (labels.IN, labels.NOT_IN):
        vals = draw(st.sets(_values, min_size=1, max_size=3))
    elif op in (labels.GREATER_THAN, labels.LESS_THAN):
        vals = {draw(_ints)}
    else:
        vals = {draw(_values)}
    return labels.requirement(key, op, vals)


selectors = st.lists(requirements(), max_size=4).map(Selector)
label_sets = st.dictionaries(_keys, st.one_of(_values, _ints), max_size=4)


def _oracle(req: labels.Requirement, labels_: dict[str, str]) -> bool:
    """Set semantics written independently: the label set's (key, value) pairs against the requirement."""
    key, op, vals = req
    present = {k for k in labels_}
    value = labels_.get(key)
    if op in (labels.EQUALS, labels.IN):
        return key in present and value in vals
    if op in (labels.NOT_EQUALS, labels.NOT_IN):
        return key not in present or value not in vals
    if op == labels.EXISTS:
        return key in present
    if op == labels.DOES_NOT_EXIST:
        return key not in present
    try:
        have = int(value) if value is not None else None
    except ValueError:
        return False
    bound = int(next(iter(vals)))
    return have is not None and (have > bound if op == labels.GREATER_THAN else have < bound)


@given(selectors)
def test_string_form_round_trips(sel: Selector) -> None:
    assert parse(str(sel)) == sel


@given(selectors, label_sets)
def test_matching_agrees_with_set_semantics(sel: Selector, labels_: dict[str, str]) -> None:
    assert sel.matches(labels_) == all(_oracle(r, labels_) for r in sel.requirements)


@given(st.dictionaries(_keys, _values, max_size=4))
def test_a_label_map_selects_itself(labels_: dict[str, str]) -> None:
    assert labels.from_labels(labels_).matches(labels_)
