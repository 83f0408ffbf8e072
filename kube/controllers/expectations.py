"""Controller expectations: creations and deletions sent but not yet seen in the cache.

A controller that syncs before its informer has seen the pods it just created
would create them again. So it records how many adds/deletes it expects; the
informer's events lower the counts; until they reach zero (or the record is older
than the TTL, in case an event was lost) the controller does not create or delete
again. As Kubernetes' ControllerExpectations.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

EXPECTATIONS_TTL = 300.0  # seconds, as Kubernetes' ExpectationsTimeout


@dataclass
class _Record:
    adds: int
    deletes: set[str]
    at: float


class Expectations:
    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl: float = EXPECTATIONS_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._records: dict[str, _Record] = {}

    def satisfied(self, key: str) -> bool:
        record = self._records.get(key)
        if record is None:
            return True
        if (record.adds <= 0 and not record.deletes) or self._clock() - record.at > self._ttl:
            return True
        return False

    def expect(self, key: str, adds: int = 0, deletes: set[str] | None = None) -> None:
        """Replace the record for `key` (called right before the actions are sent)."""
        self._records[key] = _Record(adds, set(deletes or ()), self._clock())

    def creation_observed(self, key: str, count: int = 1) -> None:
        record = self._records.get(key)
        if record is not None:
            record.adds -= count

    def deletion_observed(self, key: str, pod_key: str) -> None:
        record = self._records.get(key)
        if record is not None:
            record.deletes.discard(pod_key)

    def forget(self, key: str) -> None:
        self._records.pop(key, None)

    def pending(self, key: str) -> tuple[int, int]:
        record = self._records.get(key)
        return (0, 0) if record is None else (max(record.adds, 0), len(record.deletes))
