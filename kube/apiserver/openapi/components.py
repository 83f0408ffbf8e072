"""Kubernetes' own schemas (kube/api/schemas) as OpenAPI v3 components and Swagger 2.0 definitions.

The definitions are kept as Kubernetes' swagger.json writes them; this is the
only translation. OpenAPI 3.0 ignores the siblings of a `$ref`, so a property
that refers to a type and has its own description becomes
`{"allOf": [{"$ref": ...}], "description": ...}`, exactly as Kubernetes'
/openapi/v3 writes it and as `kubectl explain` reads it. A document carries
the closure of what its kinds refer to, so every `$ref` resolves within it.
IntOrString and Quantity are `oneOf` their JSON types in v3, as kube-openapi
writes them (and as `kubectl explain` recognises `<IntOrString>`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from kube.api import schemas

V3_PREFIX = "#/components/schemas/"
_V3_FORMS = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}]},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"oneOf": [{"type": "string"}, {"type": "number"}]},
}


def closure(roots: Iterable[str]) -> list[str]:
    """The named definitions `roots` refer to, transitively, roots included (sorted)."""
    defs = schemas.definitions()
    keep: set[str] = set()
    todo = [r for r in roots if r in defs]
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo.extend(_refs(defs[name]))
    return sorted(keep)


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(schemas.ref_name(ref))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _v3(node: Any) -> Any:
    if isinstance(node, list):
        return [_v3(v) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = {"$ref": V3_PREFIX + schemas.ref_name(ref)}
        siblings = {k: _v3(v) for k, v in node.items() if k != "$ref"}
        return {"allOf": [target], **siblings} if siblings else target
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _v3(prop) for name, prop in value.items()}
        else:
            out[key] = _v3(value)
    return out


@functools.cache
def _v3_definition(name: str) -> dict[str, Any]:
    return _V3_FORMS.get(name) or _v3(schemas.definitions()[name])


def v3_components(roots: Iterable[str]) -> dict[str, dict[str, Any]]:
    """components.schemas for a document whose operations name `roots`."""
    return {name: _v3_definition(name) for name in closure(roots)}


def v2_definitions(roots: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Swagger 2.0 `definitions` (every served definition when `roots` is None)."""
    defs = schemas.definitions()
    names = sorted(defs) if roots is None else closure(roots)
    return {name: defs[name] for name in names}
