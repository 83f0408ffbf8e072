"""Integer fields within the width Kubernetes declares for them (int32 / int64).

Kubernetes reads every integer into a Go int32 or int64, so
`replicas: 2147483648` or `10^26` never gets past its decoder; we keep JSON
as dicts, where nothing stops a number that then starts a pod explosion or
poisons a controller. The widths come from Kubernetes' own schemas (the
`format` of each integer property, kube/api/schemas), so every such field is
covered, not just the ones a validator happens to read. IntOrString holds an
int32 when it holds a number.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import FieldError, invalid, type_invalid
from kube.api.schemas.shapes import INT, INT_OR_STRING, LIST, MAP, STRUCT, Shape, object_shape


def integer_errors(obj: Any, shape: Shape | None = None) -> list[FieldError]:
    """Field errors for integers out of their width, or not integers at all, anywhere in `obj`."""
    shape = shape if shape is not None else object_shape(obj)
    errs: list[FieldError] = []
    if shape is not None and shape.has_ints:
        _walk(obj, shape, "", errs)
    return errs


def _walk(value: Any, shape: Shape, path: str, errs: list[FieldError]) -> None:
    tag = shape.tag
    if tag == STRUCT:
        if isinstance(value, dict):
            fields = shape.fields
            for key, child in value.items():
                sub = fields.get(key)
                if sub is not None and sub.has_ints and child is not None:
                    _walk(child, sub, f"{path}.{key}" if path else key, errs)
    elif tag == INT:
        _check(value, shape, path, errs, strings=False)
    elif tag == INT_OR_STRING:
        _check(value, shape, path, errs, strings=True)
    elif tag == LIST:
        if isinstance(value, list) and shape.item is not None:
            for i, child in enumerate(value):
                _walk(child, shape.item, f"{path}[{i}]", errs)
    elif tag == MAP:
        if isinstance(value, dict) and shape.item is not None:
            for key, child in value.items():
                _walk(child, shape.item, f"{path}[{key}]", errs)


def _check(value: Any, shape: Shape, path: str, errs: list[FieldError], strings: bool) -> None:
    """An integer within the shape's width; IntOrString also takes a string (validated elsewhere)."""
    if value is None or (strings and isinstance(value, str)):
        return
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        if not strings or isinstance(value, float):
            errs.append(type_invalid(path, value, shape.format))
        return
    if not shape.low <= number <= shape.high:
        errs.append(invalid(path, value, f"must be between {shape.low} and {shape.high}, inclusive "
                                         f"(an {shape.format})"))
