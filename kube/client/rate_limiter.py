"""Per-item exponential failure back-off for the work queue (client-go's
ItemExponentialFailureRateLimiter): a key that keeps failing waits longer each
time; `forget` after a success starts it over."""

from __future__ import annotations

from collections.abc import Hashable


class ItemExponentialRateLimiter:
    def __init__(self, base_delay: float = 0.005, max_delay: float = 300.0) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        """The delay before `item` may be retried; each call counts one more failure."""
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        if failures > 64:  # 2**64 * base overflows any sensible cap
            return self.max_delay
        return min(self.max_delay, self.base_delay * (2 ** failures))

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)
