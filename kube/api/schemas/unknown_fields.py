"""Unknown fields: what Kubernetes' decoder drops when it reads JSON into its Go structs.

Kubernetes never stores a field its types do not declare. With
`fieldValidation=Ignore` it drops them silently, with `Warn` (the server's
default) it drops them and names each in a `Warning` header, with `Strict`
(what kubectl sends) it refuses the request with 400 BadRequest:
`strict decoding error: unknown field "spec.foo"`. `prune` does the dropping
against the kind's own schema and returns the paths, in Kubernetes' notation
(`spec.template.spec.containers[0].foo`); the caller picks the answer.

Only structs have unknown fields: maps take any key, free-form values
(`RawExtension`, `FieldsV1`) are kept verbatim, and a value of the wrong JSON
type is left for validation to report.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import StatusError, bad_request
from kube.api.schemas.shapes import LIST, MAP, STRUCT, Shape, object_shape

IGNORE, WARN, STRICT = "Ignore", "Warn", "Strict"
DIRECTIVES = (IGNORE, WARN, STRICT)


def prune(obj: Any, shape: Shape | None = None) -> list[str]:
    """Drop every field the schema does not declare, in place; the dropped fields' paths.

    The shape defaults to the one of the object's own apiVersion and kind; an
    object of a kind without a schema is left alone.
    """
    shape = shape if shape is not None else object_shape(obj)
    found: list[str] = []
    if shape is not None:
        _walk(obj, shape, "", found)
    return found


def _walk(value: Any, shape: Shape, path: str, found: list[str]) -> None:
    tag = shape.tag
    if tag == STRUCT:
        if not isinstance(value, dict):
            return
        fields = shape.fields
        for key in [k for k in value if k not in fields]:
            found.append(f"{path}.{key}" if path else key)
            del value[key]
        for key, child in value.items():
            sub = fields[key]
            if sub.has_structs:
                _walk(child, sub, f"{path}.{key}" if path else key, found)
    elif tag == LIST:
        if isinstance(value, list) and shape.item is not None and shape.item.has_structs:
            for i, child in enumerate(value):
                _walk(child, shape.item, f"{path}[{i}]", found)
    elif tag == MAP:
        if isinstance(value, dict) and shape.item is not None and shape.item.has_structs:
            for key, child in value.items():
                _walk(child, shape.item, f"{path}[{key}]", found)


def directive(value: str | None) -> str:
    """The `fieldValidation` query parameter; Kubernetes' default is Warn. 400 for anything else."""
    if value is None or value == "":
        return WARN
    if value not in DIRECTIVES:
        raise bad_request(f'fieldValidation: Unsupported value: "{value}": supported values: '
                          '"Ignore", "Warn", "Strict"')
    return value


def warning_text(path: str) -> str:
    return f'unknown field "{path}"'


def strict_error(kind: str, api_version: str, paths: list[str]) -> StatusError:
    """400 as Kubernetes words it for a body that would lose fields under Strict."""
    version = api_version.rpartition("/")[2]
    listed = ", ".join(warning_text(p) for p in paths)
    return bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: '
                       f"strict decoding error: {listed}")


def enforce(obj: Any, field_validation: str, shape: Shape | None = None) -> list[str]:
    """Prune `obj` and apply the directive: raise under Strict, else the warnings to send (none for Ignore)."""
    dropped = prune(obj, shape)
    if not dropped:
        return []
    if field_validation == STRICT:
        kind = obj.get("kind", "") if isinstance(obj, dict) else ""
        api_version = obj.get("apiVersion", "") if isinstance(obj, dict) else ""
        raise strict_error(str(kind), str(api_version), dropped)
    return [warning_text(p) for p in dropped] if field_validation == WARN else []
