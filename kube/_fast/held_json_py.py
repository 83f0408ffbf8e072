"""Pure-Python twin of held_json.pyx: the same `hold`, through ctypes for the untracking.

Same result as the kernel (short strings interned, every dict and list untracked from the
cyclic collector), about ten times slower per container; for a machine without the
compiled kernel (`kube version` says which engine runs)."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from kube._fast.held_json_layout import MAX_LEN

_intern = sys.intern
_untrack = ctypes.pythonapi.PyObject_GC_UnTrack
_untrack.argtypes = [ctypes.py_object]
_untrack.restype = None


def hold(obj: Any) -> Any:
    """`obj` (a decoded JSON value), in place: short string values interned, containers untracked."""
    kind = type(obj)
    if kind is not dict and kind is not list:
        return obj
    slots = obj.items() if kind is dict else enumerate(obj)
    for slot, value in slots:  # replacing a value under its own key or index keeps the iteration valid
        kind = type(value)
        if kind is str:
            if len(value) <= MAX_LEN:
                obj[slot] = _intern(value)
        elif kind is dict or kind is list:
            hold(value)
    _untrack(obj)
    return obj
