"""The schema-free wire layer: varints both ways, field iteration, and refusal of broken bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.protobuf.wire import (
    FIXED32,
    FIXED64,
    LENGTH,
    VARINT,
    ProtobufError,
    iter_fields,
    read_varint,
    to_signed,
    write_key,
    write_length_delimited,
    write_varint,
    write_varint_field,
)

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_unsigned_varint_round_trips_and_uses_minimal_bytes(value: int) -> None:
    encoded = write_varint(value)
    assert read_varint(encoded, 0) == (value, len(encoded))
    assert len(encoded) == max(1, -(-value.bit_length() // 7))
    assert all(b & 0x80 for b in encoded[:-1]) and not encoded[-1] & 0x80


@given(INT64)
def test_int64_round_trips_through_twos_complement(value: int) -> None:
    raw, _ = read_varint(write_varint(value), 0)
    assert to_signed(raw, 64) == value


@given(INT32)
def test_int32_negative_takes_ten_bytes_and_round_trips(value: int) -> None:
    encoded = write_varint(value)
    assert len(encoded) == 10 if value < 0 else len(encoded) <= 5
    raw, _ = read_varint(encoded, 0)
    assert to_signed(raw, 32) == value


def test_known_encodings() -> None:
    assert write_varint(0) == b"\x00"
    assert write_varint(150) == b"\x96\x01"  # the example in the protobuf documentation
    assert write_varint(-1) == b"\xff" * 9 + b"\x01"
    assert write_key(2, LENGTH) == b"\x12"


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=2**29 - 1),
                          st.one_of(st.integers(min_value=0, max_value=2**64 - 1), st.binary(max_size=300)))))
def test_iter_fields_yields_what_was_written_in_order(fields: list[tuple[int, int | bytes]]) -> None:
    data = b"".join(write_varint_field(n, v) if isinstance(v, int) else write_length_delimited(n, v)
                    for n, v in fields)
    expected = [(n, VARINT if isinstance(v, int) else LENGTH, v) for n, v in fields]
    assert list(iter_fields(data)) == expected


def test_fixed_width_fields_are_returned_as_bytes() -> None:
    data = write_key(3, FIXED32) + b"\x01\x02\x03\x04" + write_key(4, FIXED64) + b"\x00" * 8
    assert list(iter_fields(data)) == [(3, FIXED32, b"\x01\x02\x03\x04"), (4, FIXED64, b"\x00" * 8)]


@pytest.mark.parametrize(("data", "problem"), [
    (b"\x08", "truncated varint"),
    (b"\x08" + b"\xff" * 11, "longer than 10 bytes"),
    (b"\x12\x05abc", "runs past the end"),
    (b"\x1b", "unsupported wire type 3"),  # start-group: proto2 groups never appear in Kubernetes
    (b"\x00\x01", "field number 0"),
    (b"\x1d\x01\x02", "truncated fixed32"),
])
def test_broken_bytes_raise_protobuf_error(data: bytes, problem: str) -> None:
    with pytest.raises(ProtobufError, match=problem):
        list(iter_fields(data))


@given(st.binary(max_size=200))
def test_arbitrary_bytes_either_parse_or_raise_protobuf_error(data: bytes) -> None:
    try:
        fields = list(iter_fields(data))
    except ProtobufError:
        return
    assert all(number >= 1 for number, _, _ in fields)
