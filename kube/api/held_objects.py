"""What every long-held decoded object goes through: `hold` (kube/_fast/held_json.pyx says why).

The API server's watch cache (object_store.decode) and every informer's store (client
cache) keep objects for as long as they exist; both pass each one through here, once, as
it arrives. Its short strings are interned (a decoded pod from 9.2 to 5.7 KB) and its
dicts and lists are untracked from the cyclic collector, whose full collections otherwise
walk the whole cache with the event loop stopped. Only strings are replaced, in place, by
equal ones: the object's value is unchanged.
"""

from __future__ import annotations

from kube._fast import load
from kube._fast.held_json_layout import MAX_LEN

hold = load("held_json").hold

__all__ = ["MAX_LEN", "hold"]
