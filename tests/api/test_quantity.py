"""Quantities: exact parsing, apimachinery's canonical form, arithmetic and ordering."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    ERR_FORMAT,
    ERR_NUMERIC,
    ERR_SUFFIX,
    Quantity,
    QuantityError,
    cpu_millis,
    memory_bytes,
    parse_quantity,
)


@pytest.mark.parametrize(("text", "canonical", "fmt"), [
    ("500m", "500m", DECIMAL_SI),
    ("1Gi", "1Gi", BINARY_SI),
    ("1.5", "1500m", DECIMAL_SI),
    ("1000", "1k", DECIMAL_SI),
    ("1500", "1500", DECIMAL_SI),
    ("0.1", "100m", DECIMAL_SI),
    ("1e3", "1e3", DECIMAL_EXPONENT),
    ("1E-3", "1e-3", DECIMAL_EXPONENT),
    ("1.5Ki", "1536", BINARY_SI),       # exact integer, not a multiple of 1024
    ("1024Mi", "1Gi", BINARY_SI),
    ("0.5Gi", "512Mi", BINARY_SI),
    ("512Ki", "512Ki", BINARY_SI),
    ("100M", "100M", DECIMAL_SI),
    ("-1Ki", "-1Ki", BINARY_SI),
    ("+3", "3", DECIMAL_SI),
    ("0", "0", DECIMAL_SI),
    ("-0", "0", DECIMAL_SI),
    ("0.000000001", "1n", DECIMAL_SI),
    ("0.0000000001", "1n", DECIMAL_SI),  # rounded up to nano precision, never to zero
    ("12e6", "12e6", DECIMAL_EXPONENT),
    ("1P", "1P", DECIMAL_SI),
])
def test_parse_and_canonical_form(text: str, canonical: str, fmt: str) -> None:
    q = parse_quantity(text)
    assert str(q) == canonical
    assert q.format == fmt


def test_binary_below_one_becomes_decimal() -> None:
    q = parse_quantity("0.5Ki")
    assert q.exact == 512 and str(q) == "512"
    assert parse_quantity("0.0001Ki").format == DECIMAL_SI


def test_values_are_exact_fractions() -> None:
    assert parse_quantity("0.1").exact + parse_quantity("0.2").exact == parse_quantity("300m").exact
    assert parse_quantity("1.1Ki").exact == Fraction(11264, 10)
    assert str(parse_quantity("1.1Ki")) == "1126400m"


def test_huge_values_are_capped_at_int64() -> None:
    assert parse_quantity("1e100").exact == 2**63 - 1
    assert parse_quantity("-1e100").exact == -(2**63 - 1)
    assert parse_quantity("99999999999999999999999Ei").exact == 2**63 - 1


@pytest.mark.parametrize(("text", "message"), [
    ("", ERR_FORMAT), ("abc", ERR_FORMAT), ("1.2.3", ERR_FORMAT), ("x1", ERR_FORMAT), ("1Kib", ERR_FORMAT),
    (".", ERR_NUMERIC),
    ("1K", ERR_SUFFIX), ("1e", ERR_SUFFIX), ("1ee3", ERR_SUFFIX), ("1m1", ERR_SUFFIX), ("1e99999999999", ERR_SUFFIX),
])
def test_bad_quantities_give_kubernetes_messages(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as info:
        parse_quantity(text)
    assert str(info.value) == message


def test_format_error_names_the_regular_expression() -> None:
    assert ERR_FORMAT == ("quantities must match the regular expression "
                          "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


@pytest.mark.parametrize("bad", [True, None, [1], {"a": 1}, float("nan"), float("inf")])
def test_non_quantity_types_raise_quantity_error(bad: object) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(bad)  # type: ignore[arg-type]


def test_json_numbers_parse_as_their_text() -> None:
    assert str(parse_quantity(0.5)) == "500m"
    assert str(parse_quantity(2)) == "2"
    assert parse_quantity(1e-05).exact == Fraction(1, 100000)


def test_value_and_milli_value_round_up() -> None:
    assert parse_quantity("1.0001").value() == 2
    assert parse_quantity("1").value() == 1
    assert parse_quantity("0.5m").milli_value() == 1
    assert parse_quantity("250m").milli_value() == 250
    assert parse_quantity("1Gi").value() == 1024**3


def test_cpu_and_memory_helpers() -> None:
    assert cpu_millis("100m") == 100
    assert cpu_millis("2") == 2000
    assert cpu_millis(0.25) == 250
    assert memory_bytes("1Ki") == 1024
    assert memory_bytes("128Mi") == 128 * 1024**2
    assert memory_bytes("1G") == 10**9


def test_arithmetic_keeps_the_left_format_unless_it_is_zero() -> None:
    total = parse_quantity("1Gi") + parse_quantity("1Gi")
    assert str(total) == "2Gi"
    assert str(parse_quantity("0") + parse_quantity("1Mi")) == "1Mi"
    assert str(parse_quantity("1") - parse_quantity("250m")) == "750m"
    assert str(-parse_quantity("1")) == "-1"


def test_equality_and_hash_use_the_value() -> None:
    assert Quantity("1Ki") == Quantity("1024")
    assert hash(Quantity("1Ki")) == hash(Quantity("1024"))
    assert len({Quantity("1k"), Quantity("1000"), Quantity("1e3")}) == 1
    assert Quantity("999m") < Quantity("1")


def test_quantity_is_immutable() -> None:
    q = Quantity("1")
    with pytest.raises(AttributeError):
        q.x = 1  # type: ignore[attr-defined]


# --- properties -----------------------------------------------------------------

_DEC_SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P"]
_BIN_SUFFIXES = ["Ki", "Mi", "Gi", "Ti"]


@st.composite
def quantity_texts(draw: st.DrawFn) -> str:
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.integers(0, 10**6))
    frac = draw(st.one_of(st.just(""), st.integers(0, 999999).map(lambda n: "." + str(n))))
    suffix = draw(st.one_of(st.sampled_from(_DEC_SUFFIXES + _BIN_SUFFIXES),
                            st.integers(-12, 12).map(lambda e: f"e{e}")))
    return f"{sign}{whole}{frac}{suffix}"


@given(quantity_texts())
def test_parse_of_canonical_form_round_trips(text: str) -> None:
    q = parse_quantity(text)
    again = parse_quantity(str(q))
    assert again == q
    assert str(again) == str(q)  # the canonical form is a fixed point


@given(quantity_texts(), quantity_texts())
def test_ordering_agrees_with_exact_value(a: str, b: str) -> None:
    qa, qb = parse_quantity(a), parse_quantity(b)
    assert (qa < qb) == (qa.exact < qb.exact)
    assert (qa == qb) == (qa.exact == qb.exact)


@given(quantity_texts(), quantity_texts())
def test_addition_is_exact(a: str, b: str) -> None:
    qa, qb = parse_quantity(a), parse_quantity(b)
    assert (qa + qb).exact == qa.exact + qb.exact
    assert (qa + qb - qb) == qa


@given(st.integers(-(10**15), 10**15))
def test_millis_round_trip(millis: int) -> None:
    q = Quantity.from_millis(millis)
    assert q.milli_value() == millis
    assert parse_quantity(str(q)).milli_value() == millis


@given(st.integers(0, 2**52))
def test_binary_canonical_form_is_exact(n: int) -> None:
    q = Quantity(f"{n}Ki")
    assert parse_quantity(str(q)).exact == n * 1024
