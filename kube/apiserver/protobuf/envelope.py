"""The Kubernetes protobuf envelope: `k8s\\x00` + runtime.Unknown.

runtime.Unknown = {1 typeMeta {1 apiVersion, 2 kind}, 2 raw (the object message),
3 contentEncoding, 4 contentType} (apimachinery pkg/runtime/generated.proto). The object
message itself has no apiVersion/kind (Go's TypeMeta carries no protobuf tags), so they come
from the envelope.
"""

from __future__ import annotations

from typing import Any

from kube.apiserver.protobuf.decoder import decode_message
from kube.apiserver.protobuf.schema import OBJECT_MESSAGES, message_for
from kube.apiserver.protobuf.wire import LENGTH, ProtobufError, iter_fields, write_length_delimited

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"


class UnsupportedKind(ProtobufError):
    """A well-formed envelope holding a kind this server has no message table for."""


def decode_envelope(raw: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, object message bytes)."""
    if not raw.startswith(MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf prefix 'k8s\\x00'")
    api_version = kind = encoding = ""
    payload = b""
    for number, wire, value in iter_fields(raw[len(MAGIC):]):
        if wire != LENGTH or not isinstance(value, bytes):
            raise ProtobufError(f"runtime.Unknown field {number}: expected a length-delimited value")
        if number == 1:
            api_version, kind = _type_meta(value)
        elif number == 2:
            payload = value
        elif number == 3:
            encoding = _text(value, "contentEncoding")
    if encoding:
        raise ProtobufError(f"runtime.Unknown contentEncoding {encoding!r} is not supported; send it uncompressed")
    if not kind or not api_version:
        raise ProtobufError("runtime.Unknown has no typeMeta: apiVersion and kind are required")
    return api_version, kind, payload


def decode_object(raw: bytes) -> dict[str, Any]:
    """A whole protobuf request body -> the dict a JSON body with the same content decodes to."""
    api_version, kind, payload = decode_envelope(raw)
    message = message_for(api_version, kind)
    if message is None:
        known = ", ".join(sorted({f"{v}/{k}" for v, k in OBJECT_MESSAGES}))
        raise UnsupportedKind(f"protobuf bodies are not supported for {api_version}/{kind} "
                              f"(supported: {known}); send it as application/json")
    return {"kind": kind, "apiVersion": api_version, **decode_message(payload, message)}


def encode_envelope(api_version: str, kind: str, payload: bytes) -> bytes:
    type_meta = write_length_delimited(1, api_version.encode()) + write_length_delimited(2, kind.encode())
    return MAGIC + write_length_delimited(1, type_meta) + write_length_delimited(2, payload)


def _type_meta(data: bytes) -> tuple[str, str]:
    api_version = kind = ""
    for number, wire, value in iter_fields(data):
        if wire != LENGTH or not isinstance(value, bytes):
            continue
        if number == 1:
            api_version = _text(value, "typeMeta.apiVersion")
        elif number == 2:
            kind = _text(value, "typeMeta.kind")
    return api_version, kind


def _text(value: bytes, where: str) -> str:
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise ProtobufError(f"runtime.Unknown {where}: not valid UTF-8") from None
