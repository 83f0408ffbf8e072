"""A Kubernetes object message -> the JSON-shaped dict the JSON path yields.

Driven by the tables in schema.py, so the rest of the API server (defaults, validation,
storage) never learns that the body was protobuf. Unknown field numbers are skipped: a newer
client may send fields this server has no table entry for, as Kubernetes itself tolerates.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import orjson

from kube.apiserver.protobuf.schema import MESSAGES, SCALARS, Field
from kube.apiserver.protobuf.wire import (
    LENGTH,
        VARINT,
    ProtobufError,
    iter_fields,
    read_varint,
    to_signed,
)

_WIRE_NAMES = {0: "varint", 1: "fixed64", 2: "length-delimited", 5: "fixed32"}
_NUMERIC = frozenset({"int32", "int64", "bool"})
_DROP = object()  # a zero value Go's JSON encoder would have omitted


def decode_message(data: bytes, message: str) -> dict[str, Any]:
    """Recursion follows the tables, which hold no cycles, so a body cannot nest without bound."""
    fields = MESSAGES[message]
    out: dict[str, Any] = {}
    for number, wire, value in iter_fields(data):
        field = fields.get(number)
        if field is None:
            continue  # forward compatible: a field this server does not know
        where = f"{message}.{field.json_name}"
        if field.card == "list":
            items = out.setdefault(field.json_name, [])
            if wire == LENGTH and field.type in _NUMERIC:
                items.extend(_scalar(field.type, VARINT, v, where) for v in _packed(value))  # type: ignore[arg-type]
            elif (item := _value(field, wire, value, where)) is not _DROP:
                items.append(item)
        elif field.card == "map":
            key, item = _map_entry(field, _expect(wire, LENGTH, value, where), where)
            if item is not _DROP:
                out.setdefault(field.json_name, {})[key] = item
        elif field.inline:
            out.update(decode_message(_expect(wire, LENGTH, value, where), field.type))
        else:
            decoded = _value(field, wire, value, where)
            if decoded is _DROP or (not field.keep_zero and field.type in SCALARS and not decoded):
                out.pop(field.json_name, None)
            else:
                out[field.json_name] = decoded
    return out


def _value(field: Field, wire: int, value: int | bytes, where: str) -> Any:
    if field.type in SCALARS:
        return _scalar(field.type, wire, value, where)
    payload = _expect(wire, LENGTH, value, where)
    special = _SPECIALS.get(field.type)
    if special is not None:
        return special(payload, field, where)
    return decode_message(payload, field.type)


def _scalar(typ: str, wire: int, value: int | bytes, where: str) -> Any:
    if typ == "string":
        try:
            return _expect(wire, LENGTH, value, where).decode()
        except UnicodeDecodeError:
            raise ProtobufError(f"{where}: string is not valid UTF-8") from None
    if typ == "bytes":
        return base64.b64encode(_expect(wire, LENGTH, value, where)).decode()
    number = _expect_varint(wire, value, where)
    if typ == "bool":
        return number != 0
    return to_signed(number, 32 if typ == "int32" else 64)


def _map_entry(field: Field, entry: bytes, where: str) -> tuple[str, Any]:
    """A map entry is a message {1: key, 2: value}; either may be absent (then it is zero)."""
    key, item = "", None
    value_field = Field(field.json_name, field.type, "", True, False)
    for number, wire, value in iter_fields(entry):
        if number == 1:
            key = _scalar("string", wire, value, where)
        elif number == 2:
            item = _value(value_field, wire, value, f"{where}[{key}]")
    if item is None:
        item = _zero(field.type, value_field, where)
    return key, item


def _zero(typ: str, field: Field, where: str) -> Any:
    if typ in SCALARS:
        return _scalar(typ, LENGTH if typ in ("string", "bytes") else VARINT,
                       b"" if typ in ("string", "bytes") else 0, where)
    special = _SPECIALS.get(typ)
    return special(b"", field, where) if special is not None else decode_message(b"", typ)


def _packed(payload: bytes) -> list[int]:
    values, pos = [], 0
    while pos < len(payload):
        value, pos = read_varint(payload, pos)
        values.append(value)
    return values


def _expect(wire: int, wanted: int, value: int | bytes, where: str) -> bytes:
    if wire != wanted or not isinstance(value, bytes):
        raise ProtobufError(f"{where}: got wire type {_WIRE_NAMES.get(wire, wire)}, "
                            f"expected {_WIRE_NAMES[wanted]}")
    return value


def _expect_varint(wire: int, value: int | bytes, where: str) -> int:
    if wire != VARINT or not isinstance(value, int):
        raise ProtobufError(f"{where}: got wire type {_WIRE_NAMES.get(wire, wire)}, expected varint")
    return value


def _time(payload: bytes, field: Field, where: str) -> Any:
    """metav1.Time {seconds, nanos} -> RFC3339 at second precision, as its JSON form is."""
    seconds = nanos = 0
    for number, wire, value in iter_fields(payload):
        if number == 1:
            seconds = to_signed(_expect_varint(wire, value, where), 64)
        elif number == 2:
            nanos = to_signed(_expect_varint(wire, value, where), 32)
    if seconds == 0 and nanos == 0:
        return _DROP  # Go's zero Time marshals as null
    try:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ProtobufError(f"{where}: time {seconds}s is out of range") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _quantity(payload: bytes, field: Field, where: str) -> Any:
    text = "0"
    for number, wire, value in iter_fields(payload):
        if number == 1:
            text = _scalar("string", wire, value, where) or "0"
    return text


def _int_or_string(payload: bytes, field: Field, where: str) -> Any:
    """intstr.IntOrString {type, intVal, strVal} -> a JSON int or string."""
    kind, number, text = 0, 0, ""
    for fnum, wire, value in iter_fields(payload):
        if fnum == 1:
            kind = to_signed(_expect_varint(wire, value, where), 64)
        elif fnum == 2:
            number = to_signed(_expect_varint(wire, value, where), 32)
        elif fnum == 3:
            text = _scalar("string", wire, value, where)
    if kind not in (0, 1):
        raise ProtobufError(f"{where}: IntOrString type must be 0 (int) or 1 (string), got {kind}")
    result: Any = number if kind == 0 else text
    if not field.keep_zero and not result:
        return _DROP  # e.g. ServicePort.targetPort left unset: defaulting fills it in
    return result


def _fields_v1(payload: bytes, field: Field, where: str) -> Any:
    raw = b""
    for number, wire, value in iter_fields(payload):
        if number == 1:
            raw = _expect(wire, LENGTH, value, where)
    try:
        return orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        raise ProtobufError(f"{where}: FieldsV1 does not hold JSON") from None


_SPECIALS = {"Time": _time, "Quantity": _quantity, "IntOrString": _int_or_string, "FieldsV1": _fields_v1}
