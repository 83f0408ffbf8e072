"""A budget of keys under a prefix: past it, the least recently written keys go first.

Events are why. They expire by lease an hour after they are written
(kube-apiserver's --event-ttl), so without a budget a burst (a crash-looping
DaemonSet, a scheduler retrying 50,000 pods) keeps every one of its Events in
the store for that hour and the store's size follows the burst's rate. With a
budget the live Events stay under `max_keys` whatever the rate: when a prune
finds more, it deletes the ones written longest ago (smallest mod revision: an
Event that is still being counted up is written again and stays) down to
`low_water`, so a budget that is just reached is not pruned again on every
pass. The deletes are ordinary compare-and-swap deletes, so watchers see a
DELETE for each pruned Event exactly as for an expired one, and an Event
written again meanwhile is left alone.

This is the store-side backstop; it works on every backend through the Store
protocol. (Kubernetes itself leaves this to etcd's space quota and the
EventRateLimit admission plugin.)
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from kube.store.errors import KeyNotFoundError, RevisionMismatchError
from kube.store.protocol import Store

log = logging.getLogger("kube.store.upkeep")

PAGE = 5000  # keys read per range while looking for the oldest (each range also counts the rest)
DELETES_AT_ONCE = 500  # deletes in flight at once (the sqlite writer commits them in batches)


@dataclass(frozen=True, slots=True)
class KeyBudget:
    prefix: str
    max_keys: int
    low_water: float = 0.9  # a prune goes down to this share of max_keys

    def __post_init__(self) -> None:
        if self.max_keys < 1 or not 0 < self.low_water <= 1:
            raise ValueError(f"a key budget needs max_keys >= 1 and 0 < low_water <= 1, not {self}")

    async def prune(self, store: Store) -> int:
        """Delete the least recently written keys beyond the budget; how many were deleted."""
        first = await store.range(self.prefix, limit=1)  # cheap: both backends count the range
        if not first.more or 0 < first.count <= self.max_keys:
            return 0
        ages = sorted(await self._ages(store))
        if len(ages) <= self.max_keys:
            return 0
        doomed = ages[: max(0, len(ages) - int(self.max_keys * self.low_water))]
        deleted = 0
        for start in range(0, len(doomed), DELETES_AT_ONCE):
            part = doomed[start:start + DELETES_AT_ONCE]
            done = await asyncio.gather(*(self._delete(store, key, revision) for revision, key in part))
            deleted += sum(done)
        log.warning("store upkeep: %d keys under %s, over the budget of %d: deleted the %d written longest ago",
                    len(ages), self.prefix, self.max_keys, deleted)
        return deleted

    async def _ages(self, store: Store) -> list[tuple[int, str]]:
        """(mod revision, key) of every key under the prefix, paged."""
        out: list[tuple[int, str]] = []
        after = ""
        while True:
            page = await store.range(self.prefix, start_after=after, limit=PAGE)
            out += [(kv.mod_revision, kv.key) for kv in page.items]
            if not page.more or not page.items:
                return out
            after = page.items[-1].key

    @staticmethod
    async def _delete(store: Store, key: str, revision: int) -> bool:
        try:
            await store.delete(key, expected_revision=revision)
        except (KeyNotFoundError, RevisionMismatchError):
            return False  # expired, deleted or written again meanwhile: not ours to prune
        return True
