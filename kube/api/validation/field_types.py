"""Typed readers for JSON-shaped objects that report wrong types as field errors.

Validation sees raw request bodies: any field may hold any JSON value. Each
reader returns the value when it has the expected type, or None (after
appending `FieldValueTypeInvalid` when the value was present but wrong), so
validators can carry on and report every problem in one answer.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import FieldError, required, type_invalid

Errors = list[FieldError]


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def keyed(path: str, key: str) -> str:
    return f"{path}[{key}]"


def _read(parent: Any, key: str, path: str, errs: Errors, types: tuple[type, ...], expected: str,
          must: bool) -> Any:
    value = parent.get(key) if isinstance(parent, dict) else None
    if value is None:
        if must:
            errs.append(required(child(path, key)))
        return None
    if isinstance(value, bool) and bool not in types:
        errs.append(type_invalid(child(path, key), value, expected))
        return None
    if not isinstance(value, types):
        errs.append(type_invalid(child(path, key), value, expected))
        return None
    return value


def get_dict(parent: Any, key: str, path: str, errs: Errors, must: bool = False) -> dict[str, Any] | None:
    return _read(parent, key, path, errs, (dict,), "object", must)


def get_list(parent: Any, key: str, path: str, errs: Errors, must: bool = False) -> list[Any] | None:
    return _read(parent, key, path, errs, (list,), "array", must)


def get_str(parent: Any, key: str, path: str, errs: Errors, must: bool = False) -> str | None:
    """A string; with `must`, "" counts as missing (Go's zero value)."""
    value = _read(parent, key, path, errs, (str,), "string", must)
    if must and value == "":
        errs.append(required(child(path, key)))
        return None
    return value


def get_int(parent: Any, key: str, path: str, errs: Errors, must: bool = False,
            expected: str = "int32") -> int | None:
    value = _read(parent, key, path, errs, (int, float), expected, must)
    if isinstance(value, float):
        if not value.is_integer():
            errs.append(type_invalid(child(path, key), value, expected))
            return None
        value = int(value)
    return value


def get_strings(parent: Any, key: str, path: str, errs: Errors) -> list[str]:
    """A []string: its string elements (others are reported as wrong types); [] when absent."""
    out: list[str] = []
    for i, value in enumerate(get_list(parent, key, path, errs) or []):
        if isinstance(value, str):
            out.append(value)
        else:
            errs.append(type_invalid(index(child(path, key), i), value, "string"))
    return out


def get_bool(parent: Any, key: str, path: str, errs: Errors) -> bool | None:
    return _read(parent, key, path, errs, (bool,), "boolean", False)


def dict_elements(items: list[Any] | None, path: str, errs: Errors) -> list[tuple[int, str, dict[str, Any]]]:
    """(index, path, element) for each dict element; other elements are reported as wrong types."""
    out: list[tuple[int, str, dict[str, Any]]] = []
    for i, item in enumerate(items or []):
        if isinstance(item, dict):
            out.append((i, index(path, i), item))
        else:
            errs.append(type_invalid(index(path, i), item, "object"))
    return out


def string_map(parent: Any, key: str, path: str, errs: Errors) -> dict[str, str]:
    """A map[string]string; entries with non-string values are reported and dropped."""
    value = get_dict(parent, key, path, errs)
    out: dict[str, str] = {}
    for k, v in (value or {}).items():
        if isinstance(v, str):
            out[k] = v
        else:
            errs.append(type_invalid(keyed(child(path, key), k), v, "string"))
    return out
