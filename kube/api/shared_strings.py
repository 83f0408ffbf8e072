"""Objects held for long share their short strings.

The API server's watch cache and every informer's store hold each object decoded, and
150,000 pods repeat the same values ("default", "Running", "True", the image, label
values, the node's name, condition types) as separate str objects: orjson shares a
decoded object's keys, not its values. Interning the values up to MAX_LEN characters
takes a decoded pod from 9.2 to 5.7 KB (tracemalloc, 5,000 pods; docs/benchmarks.md),
for about 6 µs per object. `sys.intern`'s strings are mortal: one goes when the last
object holding it goes, so names and uids of deleted objects do not pile up.

Only strings are replaced, in place, by equal ones: the object's value is unchanged.
"""

from __future__ import annotations

import sys
from typing import Any

MAX_LEN = 64  # longer values (certificates, annotations, last-applied) are rarely shared

_intern = sys.intern


def share_strings(obj: Any) -> Any:
    """`obj` (a decoded JSON value) with its short string values interned, in place."""
    kind = type(obj)
    slots = obj.items() if kind is dict else enumerate(obj) if kind is list else ()
    for slot, value in slots:  # replacing a value under its own key or index keeps the iteration valid
        kind = type(value)
        if kind is str:
            if len(value) <= MAX_LEN:
                obj[slot] = _intern(value)
        elif kind is dict or kind is list:
            share_strings(value)
    return obj
