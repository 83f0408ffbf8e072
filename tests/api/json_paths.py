"""Every path into a JSON-shaped object, and setting a value at one: the robustness
property tests put arbitrary JSON at any path of a valid object and expect field errors,
never exceptions, from defaulting and validation."""

from __future__ import annotations

from typing import Any


def value_paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of obj itself (the empty tuple) and of every value nested in it (keys and list indexes)."""
    out = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += value_paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out += value_paths(value, (*prefix, i))
    return out


def set_at(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    """Replace, in place, the value at a non-empty path of value_paths(obj)."""
    target = obj
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
