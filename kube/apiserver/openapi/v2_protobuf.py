"""Swagger 2.0 definitions in gnostic's protobuf form (openapi_v2.Document), as kubectl fetches /openapi/v2.

Only what a definition uses is encoded: `$ref`, format, description, required,
enum, additionalProperties, type, items, allOf, properties and the
`x-kubernetes-*` vendor extensions (whose values gnostic carries as YAML text;
JSON is YAML). Field numbers are those of gnostic's openapiv2/OpenAPIv2.proto.
"""

from __future__ import annotations

import json
from typing import Any

from kube.apiserver.protobuf.wire import write_length_delimited as field

# openapi_v2.Schema
_REF, _FORMAT, _DESCRIPTION, _REQUIRED, _ENUM = 1, 2, 4, 19, 20
_ADDITIONAL, _TYPE, _ITEMS, _ALL_OF, _PROPERTIES, _VENDOR = 21, 22, 23, 24, 25, 31
# openapi_v2.Document
_SWAGGER, _INFO, _PATHS, _DEFINITIONS = 1, 2, 8, 9


def _text(number: int, value: str) -> bytes:
    return field(number, value.encode())


def _any(value: Any) -> bytes:
    """openapi_v2.Any{yaml: ...}, the value written as JSON (which is YAML, with strings always quoted)."""
    return _text(2, json.dumps(value, separators=(",", ":")))


def _named_schema(name: str, schema: dict[str, Any]) -> bytes:
    return _text(1, name) + field(2, schema_message(schema))


def schema_message(schema: dict[str, Any]) -> bytes:
    """One openapi_v2.Schema."""
    out = bytearray()
    if isinstance(schema.get("$ref"), str):
        out += _text(_REF, schema["$ref"])
    if isinstance(schema.get("format"), str):
        out += _text(_FORMAT, schema["format"])
    if isinstance(schema.get("description"), str):
        out += _text(_DESCRIPTION, schema["description"])
    for name in schema.get("required", []):
        out += _text(_REQUIRED, name)
    for value in schema.get("enum", []):
        out += field(_ENUM, _any(value))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out += field(_ADDITIONAL, field(1, schema_message(extra)))
    elif isinstance(extra, bool):
        out += field(_ADDITIONAL, bytes([2 << 3, int(extra)]))
    kinds = schema.get("type")
    if kinds:
        out += field(_TYPE, b"".join(_text(1, k) for k in ([kinds] if isinstance(kinds, str) else kinds)))
    if isinstance(schema.get("items"), dict):
        out += field(_ITEMS, field(1, schema_message(schema["items"])))
    for part in schema.get("allOf", []):
        out += field(_ALL_OF, schema_message(part))
    if isinstance(schema.get("properties"), dict):
        props = b"".join(field(1, _named_schema(n, s)) for n, s in schema["properties"].items())
        out += field(_PROPERTIES, props)
    for key, value in schema.items():
        if key.startswith("x-"):
            out += field(_VENDOR, _text(1, key) + field(2, _any(value)))
    return bytes(out)


def document(title: str, version: str, definitions: dict[str, dict[str, Any]]) -> bytes:
    """openapi_v2.Document{swagger: "2.0", info, paths: {}, definitions}."""
    info = _text(1, title) + _text(2, version)
    defs = b"".join(field(1, _named_schema(name, schema)) for name, schema in definitions.items())
    return _text(_SWAGGER, "2.0") + field(_INFO, info) + field(_PATHS, b"") + field(_DEFINITIONS, defs)
