"""One store key per allocated item: create-if-absent is the lock, so several API servers agree.

Key `/registry/ranges/<kind>/<item>`, value the owner (`namespace/name`).
Allocation: a few random probes, then a scan of what is taken to find a free
item; a lost race (KeyExistsError) just moves on to the next candidate.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

from kube.store.errors import KeyExistsError, KeyNotFoundError, RevisionMismatchError
from kube.store.protocol import Store

RANDOM_PROBES = 8


class RangeFullError(Exception):
    """Every item of the range is taken."""


class KeyAllocator:
    def __init__(self, store: Store, kind: str, rng: random.Random | None = None) -> None:
        self._store = store
        self.prefix = f"/registry/ranges/{kind}/"
        self._rng = rng or random.SystemRandom()

    def key(self, item: object) -> str:
        return f"{self.prefix}{item}"

    async def claim(self, item: object, owner: str) -> bool:
        """Take item for owner; False when someone else holds it (it is ours if we already hold it)."""
        try:
            await self._store.create(self.key(item), owner.encode())
            return True
        except KeyExistsError:
            current = await self._store.get(self.key(item))
            return current is not None and current.value.decode() == owner

    async def claim_any(self, owner: str, random_candidate: Callable[[random.Random], object],
                        scan: Callable[[random.Random], Iterable[object]]) -> object:
        for _ in range(RANDOM_PROBES):
            item = random_candidate(self._rng)
            if await self._create(item, owner):
                return item
        taken = await self.taken()
        for item in scan(self._rng):
            if str(item) not in taken and await self._create(item, owner):
                return item
        raise RangeFullError("range is full")

    async def _create(self, item: object, owner: str) -> bool:
        try:
            await self._store.create(self.key(item), owner.encode())
            return True
        except KeyExistsError:
            return False

    async def taken(self) -> set[str]:
        """Every allocated item, read page by page (ranges can hold a million keys)."""
        out: set[str] = set()
        after = ""
        while True:
            page = await self._store.range(self.prefix, start_after=after, limit=10000)
            out.update(kv.key[len(self.prefix):] for kv in page.items)
            if not page.more or not page.items:
                return out
            after = page.items[-1].key

    async def owners(self) -> dict[str, str]:
        page = await self._store.range(self.prefix)
        return {kv.key[len(self.prefix):]: kv.value.decode() for kv in page.items}

    async def release(self, item: object, owner: str | None) -> bool:
        """Free item if owner holds it (any holder when owner is None); False if it was not held."""
        kv = await self._store.get(self.key(item))
        if kv is None or (owner is not None and kv.value.decode() != owner):
            return False
        try:
            await self._store.delete(self.key(item), expected_revision=kv.mod_revision)
        except (KeyNotFoundError, RevisionMismatchError):  # gone, or re-taken meanwhile: theirs now
            return False
        return True
