"""Lease deadlines of the embedded store and the sweep that expires them.

Deadlines live in memory on the event loop (a keepalive is then only a clock
update, not a write); the lease ids and TTLs are in the file. After a restart
every stored lease gets a full TTL again, as etcd does after a leader change,
so a restart never expires a lease its holder is still renewing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from kube.store.errors import KeyNotFoundError, StoreError

log = logging.getLogger("kube.store.sqlite")

SWEEP_INTERVAL = 0.25  # seconds between expiry checks


class LeaseClock:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ttl: dict[int, int] = {}
        self._deadline: dict[int, float] = {}
        self._expiring: set[int] = set()

    def start(self, lease_id: int, ttl_seconds: int) -> None:
        self._ttl[lease_id] = ttl_seconds
        self._deadline[lease_id] = self._clock() + ttl_seconds

    def renew(self, lease_id: int) -> None:
        if lease_id not in self._ttl or lease_id in self._expiring:
            raise KeyNotFoundError(f"requested lease not found: {lease_id} (expired or revoked)")
        self._deadline[lease_id] = self._clock() + self._ttl[lease_id]

    def forget(self, lease_id: int) -> None:
        self._ttl.pop(lease_id, None)
        self._deadline.pop(lease_id, None)
        self._expiring.discard(lease_id)

    def retry(self, lease_id: int) -> None:
        """An expiry failed: let the next sweep try again."""
        self._expiring.discard(lease_id)

    def take_expired(self) -> list[int]:
        """Leases past their deadline that no sweep is expiring yet (marked as expiring now)."""
        now = self._clock()
        expired = [i for i, d in self._deadline.items() if d <= now and i not in self._expiring]
        self._expiring.update(expired)
        return expired


async def sweep_expired(clock: LeaseClock, revoke: Callable[[int], Awaitable[None]],
                        interval: float = SWEEP_INTERVAL) -> None:
    """Forever: revoke every expired lease (which deletes its keys, with DELETE events)."""
    while True:
        for lease_id in clock.take_expired():
            try:
                await revoke(lease_id)
            except KeyNotFoundError:
                pass  # revoked meanwhile
            except StoreError as error:
                log.warning("sqlite store: expiring lease %d failed (will retry): %s", lease_id, error)
                clock.retry(lease_id)
        await asyncio.sleep(interval)
