"""What a slice controller wrote and its informer may not show yet (the role of Kubernetes'
endpointSliceTracker): a sync against a cache that does not yet show our own creates and
updates would make duplicate slices, so it waits instead, until a limit after which the
cache is believed (someone else changed the slices meanwhile)."""

from __future__ import annotations

import time

from kube.api.meta import Obj
from kube.controllers.actions import Action, Create, Delete, Update

STALE_WAIT = 0.05  # seconds before a sync retries against a cache that has not caught up
STALE_LIMIT = 10.0


class SliceWriteTracker:
    def __init__(self) -> None:
        self._expected: dict[str, tuple[int, dict[str, str], float]] = {}  # key -> (count, name -> old rv, since)

    def behind(self, key: str, slices: list[Obj]) -> bool:
        expected = self._expected.get(key)
        if expected is None:
            return False
        count, old_versions, since = expected
        seen = {(s.get("metadata") or {}).get("name"): (s.get("metadata") or {}).get("resourceVersion")
                for s in slices}
        behind = len(slices) != count or any(seen.get(n) == rv for n, rv in old_versions.items())
        if behind and time.monotonic() - since < STALE_LIMIT:
            return True
        del self._expected[key]
        return False

    def wrote(self, key: str, slices: list[Obj], actions: list[Action]) -> None:
        """About to write `actions` over the cached `slices`: what the cache must show after."""
        creates = sum(isinstance(a, Create) for a in actions)
        deletes = sum(isinstance(a, Delete) for a in actions)
        updated = {a.obj["metadata"]["name"]: a.obj["metadata"].get("resourceVersion", "")
                   for a in actions if isinstance(a, Update)}
        self._expected[key] = (len(slices) + creates - deletes, updated, time.monotonic())

    def forget(self, key: str) -> None:
        """The write failed part-way: what was written is unknown, believe the cache."""
        self._expected.pop(key, None)
