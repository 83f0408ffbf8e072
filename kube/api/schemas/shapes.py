"""Kubernetes' schemas compiled into the shapes request bodies are walked against.

A definition says far more than a walk needs (descriptions, list types, patch
strategies). What pruning and integer bounds need is only: is this a struct
(closed set of fields), a map, a list, an integer of some width, or a leaf
nothing below which matters. Each kind compiles once into a tree of `Shape`s
(shared by definition name, so recursive types stay finite), and every shape
knows whether anything below it can hold a struct or an integer: a walk skips
the subtrees that cannot matter to it (label maps, string lists, quantities).

Free-form definitions (`RawExtension`, `FieldsV1`: an object with neither
properties nor additionalProperties) are leaves, as Kubernetes keeps them
verbatim.
"""

from __future__ import annotations

import functools
from typing import Any

from kube.api import schemas

STRUCT, MAP, LIST, INT, INT_OR_STRING, LEAF = "struct", "map", "list", "int", "int-or-string", "leaf"
INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class Shape:
    """One node of a compiled schema; `fields` for a struct, `item` for a map or list."""

    __slots__ = ("tag", "fields", "item", "format", "low", "high", "has_structs", "has_ints")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.fields: dict[str, Shape] = {}
        self.item: Shape | None = None
        self.format = ""
        self.low = self.high = 0
        self.has_structs = tag == STRUCT
        self.has_ints = tag in (INT, INT_OR_STRING)

    def children(self) -> list[Shape]:
        return list(self.fields.values()) + ([self.item] if self.item is not None else [])

    def __repr__(self) -> str:
        return f"Shape({self.tag})"


_LEAF = Shape(LEAF)


class _Compiler:
    def __init__(self, defs: dict[str, dict[str, Any]]) -> None:
        self.defs = defs
        self.named: dict[str, Shape] = {}

    def named_shape(self, name: str) -> Shape:
        shape = self.named.get(name)
        if shape is None:
            schema = self.defs[name]
            shape = self.named[name] = Shape(self._tag(schema))
            self._fill(shape, schema)
        return shape

    def shape(self, schema: dict[str, Any]) -> Shape:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self.named_shape(schemas.ref_name(ref))
        tag = self._tag(schema)
        if tag == LEAF:
            return _LEAF
        shape = Shape(tag)
        self._fill(shape, schema)
        return shape

    @staticmethod
    def _tag(schema: dict[str, Any]) -> str:
        kind = schema.get("type")
        if "properties" in schema:
            return STRUCT
        if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            return MAP
        if kind == "array" and isinstance(schema.get("items"), dict):
            return LIST
        if kind == "integer":
            return INT
        if schema.get("format") == "int-or-string":
            return INT_OR_STRING
        return LEAF

    def _fill(self, shape: Shape, schema: dict[str, Any]) -> None:
        if shape.tag == STRUCT:
            shape.fields = {name: self.shape(prop) for name, prop in schema["properties"].items()}
        elif shape.tag == MAP:
            shape.item = self.shape(schema["additionalProperties"])
        elif shape.tag == LIST:
            shape.item = self.shape(schema["items"])
        elif shape.tag in (INT, INT_OR_STRING):
            shape.format = "int32" if shape.tag == INT_OR_STRING else schema.get("format", "int64")
            shape.low, shape.high = INT_RANGES.get(shape.format, INT_RANGES["int64"])


def _mark(roots: list[Shape]) -> None:
    """has_structs / has_ints of every shape from its subtree (a fixpoint: shapes may be recursive)."""
    seen: dict[int, Shape] = {}
    todo = list(roots)
    while todo:
        shape = todo.pop()
        if id(shape) not in seen:
            seen[id(shape)] = shape
            todo.extend(shape.children())
    changed = True
    while changed:
        changed = False
        for shape in seen.values():
            structs = shape.has_structs or any(c.has_structs for c in shape.children())
            ints = shape.has_ints or any(c.has_ints for c in shape.children())
            if (structs, ints) != (shape.has_structs, shape.has_ints):
                shape.has_structs, shape.has_ints, changed = structs, ints, True


@functools.cache
def _compiler() -> _Compiler:
    return _Compiler(schemas.definitions())


@functools.cache
def shape_of(api_version: str, kind: str) -> Shape | None:
    """The compiled shape of a served kind, or None for a kind without a schema."""
    name = schemas.definition_name(api_version, kind)
    if name is None:
        return None
    shape = _compiler().named_shape(name)
    _mark([shape])
    return shape


def object_shape(obj: Any) -> Shape | None:
    """The shape of an object by its own apiVersion and kind."""
    if not isinstance(obj, dict):
        return None
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    return shape_of(api_version, kind)
