"""The protobuf wire format, both ways, with no schema.

Reading yields (field number, wire type, value) and refuses anything truncated or overlong with
a ProtobufError, so a hostile body becomes a 400 and never an IndexError. Writing exists so tests
(and any future protobuf responses) can build messages without a generated library.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5
_MASK64 = (1 << 64) - 1


class ProtobufError(ValueError):
    """The bytes are not a well-formed message of the expected shape."""


def read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """(unsigned value, next position); at most 10 bytes, as the format allows."""
    result = shift = 0
    end = len(data)
    for _ in range(10):
        if pos >= end:
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & _MASK64, pos
        shift += 7
    raise ProtobufError("varint longer than 10 bytes")


def iter_fields(data: bytes | memoryview) -> Iterator[tuple[int, int, int | bytes]]:
    """Every field of one message: varints as unsigned ints, the rest as raw bytes."""
    view = memoryview(data)
    pos, end = 0, len(view)
    while pos < end:
        key, pos = read_varint(view, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("field number 0 is invalid")
        if wire == VARINT:
            value, pos = read_varint(view, pos)
            yield number, wire, value
        elif wire == LENGTH:
            size, pos = read_varint(view, pos)
            if size > end - pos:
                raise ProtobufError(f"field {number}: length {size} runs past the end of the message")
            yield number, wire, bytes(view[pos:pos + size])
            pos += size
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if pos + width > end:
                raise ProtobufError(f"field {number}: truncated fixed{width * 8}")
            yield number, wire, bytes(view[pos:pos + width])
            pos += width
        else:
            raise ProtobufError(f"field {number}: unsupported wire type {wire}")


def to_signed(value: int, bits: int) -> int:
    """int32/int64 travel as two's complement in 64 bits (a negative int32 takes 10 bytes)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def write_varint(value: int) -> bytes:
    """Negative numbers as 64-bit two's complement, as int32/int64 encode them."""
    value &= _MASK64
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def write_key(number: int, wire: int) -> bytes:
    return write_varint(number << 3 | wire)


def write_length_delimited(number: int, payload: bytes) -> bytes:
    return write_key(number, LENGTH) + write_varint(len(payload)) + payload


def write_varint_field(number: int, value: int) -> bytes:
    return write_key(number, VARINT) + write_varint(value)
