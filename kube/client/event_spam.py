"""client-go's Event spam filter: one source may post 25 Events about one object at once,
then one every five minutes.

Folding repeats into `count` (kube/client/event_writer.py) bounds distinct Events; this
bounds the writes: a pod crash-looping for a day, a node flapping, a controller failing
on one object in a tight loop each cost at most BURST posts and then one per
REFILL_SECONDS, not one per occurrence, so the store's Event volume stays bounded by the
number of objects, not by how long they misbehave. The key is client-go's: the source
(component, host) and the involved object (kind, namespace, name, uid, apiVersion).
Buckets are kept for the MAX_KEYS most recently seen keys (client-go's LRU size).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from kube.api.meta import Obj

BURST = 25
REFILL_SECONDS = 300.0
MAX_KEYS = 4096


def spam_key(event: Obj) -> tuple[str, ...]:
    source = event.get("source") or {}
    obj = event.get("involvedObject") or {}
    return (str(source.get("component", "")), str(source.get("host", "")), str(obj.get("kind", "")),
            str(obj.get("namespace", "")), str(obj.get("name", "")), str(obj.get("uid", "")),
            str(obj.get("apiVersion", "")))


class SpamFilter:
    """A token bucket per spam key (BURST tokens, one back per REFILL_SECONDS)."""

    def __init__(self, burst: int = BURST, refill_seconds: float = REFILL_SECONDS, max_keys: int = MAX_KEYS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.refill_seconds, self.max_keys, self.clock = burst, refill_seconds, max_keys, clock
        self._buckets: OrderedDict[tuple[str, ...], tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def allow(self, event: Obj) -> bool:
        """Take a token for this Event's key (False: none left, the Event is spam)."""
        key, now = spam_key(event), self.clock()
        tokens, at = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) / self.refill_seconds)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)
