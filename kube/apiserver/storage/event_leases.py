"""Store leases for Events, so Events expire (1 h) as Kubernetes' --event-ttl makes them.

One lease per minute of Events (per 5% of --event-ttl when that is shorter) rather
than one per Event, as Kubernetes' lease manager reuses leases: granting is a store
write, and Events are the most frequent writes a cluster makes. A reused lease runs
that much longer than the TTL, so no Event goes before its TTL.
"""

from __future__ import annotations

import asyncio
import time

from kube.store.protocol import Store

REUSE_SECONDS = 60
REUSE_FRACTION = 0.05  # of the TTL, at most REUSE_SECONDS (Kubernetes' lease manager: 5%, 60 s)


def event_ttl_seconds() -> int:
    from kube.store.upkeep import EVENT_TTL_SECONDS

    return int(EVENT_TTL_SECONDS)


class EventLeases:
    def __init__(self, store: Store, ttl_seconds: int | None = None) -> None:
        self.store = store
        self.ttl = ttl_seconds if ttl_seconds is not None else event_ttl_seconds()
        self.reuse = min(REUSE_SECONDS, int(self.ttl * REUSE_FRACTION))  # seconds one lease is handed out
        self._lease = 0
        self._granted_at = 0.0
        self._lock = asyncio.Lock()

    async def lease(self) -> int:
        """A lease that outlives an Event created now by at least the TTL."""
        ttl, reuse = self.ttl, self.reuse
        now = time.monotonic()
        if self._lease and now - self._granted_at < reuse:
            return self._lease
        async with self._lock:
            now = time.monotonic()
            if not self._lease or now - self._granted_at >= reuse:
                self._lease = await self.store.grant_lease(ttl + reuse)
                self._granted_at = now
            return self._lease
