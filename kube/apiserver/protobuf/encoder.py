"""A JSON-shaped object -> its Kubernetes protobuf message, the inverse of decoder.py.

The API server answers in JSON, so this exists for tests (bodies without a Go client) and for
protobuf responses should they ever be wanted. Field order is ascending by number, as Go's
marshallers write it.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import orjson

from kube.apiserver.protobuf.envelope import encode_envelope
from kube.apiserver.protobuf.schema import MESSAGES, SCALARS, Field, message_for
from kube.apiserver.protobuf.wire import write_length_delimited, write_varint_field


def encode_object(obj: dict[str, Any]) -> bytes:
    """A whole request body: prefix, envelope and the object message."""
    api_version, kind = obj["apiVersion"], obj["kind"]
    message = message_for(api_version, kind)
    if message is None:
        raise ValueError(f"no message table for {api_version}/{kind}")
    return encode_envelope(api_version, kind, encode_message(obj, message))


def encode_message(obj: dict[str, Any], message: str) -> bytes:
    out = bytearray()
    for number, field in sorted(MESSAGES[message].items()):
        if field.inline:
            out += write_length_delimited(number, encode_message(obj, field.type))
            continue
        if field.json_name not in obj or obj[field.json_name] is None:
            continue
        value = obj[field.json_name]
        if field.card == "list":
            for item in value:
                out += _field(number, field, item)
        elif field.card == "map":
            for key, item in value.items():
                entry = write_length_delimited(1, key.encode()) + _field(2, field, item)
                out += write_length_delimited(number, entry)
        else:
            out += _field(number, field, value)
    return bytes(out)


def _field(number: int, field: Field, value: Any) -> bytes:
    typ = field.type
    if typ == "string":
        return write_length_delimited(number, value.encode())
    if typ == "bytes":
        return write_length_delimited(number, base64.b64decode(value))
    if typ in SCALARS:  # int32, int64, bool
        return write_varint_field(number, int(value))
    return write_length_delimited(number, _message_payload(field, value))


def _message_payload(field: Field, value: Any) -> bytes:
    typ = field.type
    if typ == "Time":
        moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        return write_varint_field(1, int(moment.timestamp()))
    if typ == "Quantity":
        return write_length_delimited(1, str(value).encode())
    if typ == "IntOrString":
        if isinstance(value, int):
            return write_varint_field(1, 0) + write_varint_field(2, value)
        return write_varint_field(1, 1) + write_length_delimited(3, value.encode())
    if typ == "FieldsV1":
        return write_length_delimited(1, orjson.dumps(value))
    return encode_message(value, typ)
