"""Type-tolerant setters for defaulting.

Defaulting runs before validation, so it must never fail on a wrongly typed
field: a value of the wrong type is left in place for validation to report.
Go's zero values mark "unset" for plain fields (empty string), pointer fields
are unset only when absent or null.
"""

from __future__ import annotations

from typing import Any


def child_dict(parent: dict[str, Any], key: str, create: bool = False) -> dict[str, Any] | None:
    """parent[key] if it is a dict; created empty when absent/null and `create`; else None."""
    value = parent.get(key)
    if isinstance(value, dict):
        return value
    if value is None and create:
        parent[key] = value = {}
        return value
    return None


def dict_items(parent: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The dict elements of parent[key] when it is a list (others are left for validation)."""
    value = parent.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def default_pointer(target: dict[str, Any], key: str, value: Any) -> None:
    """Set when absent or null (a Go pointer field: 0 and false are real values)."""
    if target.get(key) is None:
        target[key] = value


def default_string(target: dict[str, Any], key: str, value: str) -> None:
    """Set when absent, null or "" (a Go string field)."""
    if target.get(key) is None or target.get(key) == "":
        target[key] = value
