"""The one store protocol every backend implements and the API server uses.

Modelled on etcd v3: a flat, ordered key space with one global, monotonic
revision; every key carries the revision that created it and the one that
last modified it; writes are compare-and-swap on the mod revision; a watch
replays every change after a revision exactly once, in order. All methods are
coroutines so the API server's event loop never blocks on I/O.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

MAX_REQUEST_BYTES = 1536 * 1024  # etcd's --max-request-bytes default (1.5 MiB)


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    lease: int = 0


@dataclass(frozen=True, slots=True)
class RangeResult:
    items: list[KeyValue]
    revision: int  # the store's revision the range was read at
    more: bool  # more keys after the last one returned (limit was hit)
    count: int = 0  # keys in the whole range (ignoring limit), when the backend knows it


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: Literal["PUT", "DELETE"]
    kv: KeyValue  # for DELETE: the key with mod_revision = the delete's revision, value = b""
    prev_kv: KeyValue | None = None  # the value before this change (always set for DELETE)

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


class Watch(Protocol):
    """An async iterator of events; `cancel()` stops it (no event after cancel)."""

    def __aiter__(self) -> AsyncIterator[WatchEvent]: ...

    async def cancel(self) -> None: ...


@runtime_checkable
class Store(Protocol):
    async def get(self, key: str) -> KeyValue | None:
        """The current value of key, or None."""

    async def range(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> RangeResult:
        """Keys starting with prefix, in key order, strictly after `start_after` (the
        continue token), at most `limit` (0 = all), as of `revision` (0 = now; below
        the compacted revision raises CompactedError)."""

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> KeyValue:
        """Create key if absent (KeyExistsError otherwise); returns the stored KeyValue."""

    async def update(self, key: str, value: bytes, *, expected_revision: int, lease: int = 0) -> KeyValue:
        """Replace key only if its mod revision equals expected_revision.
        Absent key: KeyNotFoundError; other revision: RevisionMismatchError."""

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        """Delete key (only if its mod revision matches, when expected_revision > 0).
        Returns the deleted KeyValue (as it was). Absent: KeyNotFoundError."""

    def watch(self, prefix: str, *, start_revision: int = 0) -> Watch:
        """Every change under prefix with revision >= start_revision (0 = from now),
        exactly once, in revision order. A start below the compacted revision makes the
        iterator raise CompactedError."""

    async def current_revision(self) -> int: ...

    async def compact(self, revision: int) -> None:
        """Forget history below revision."""

    async def compacted_revision(self) -> int: ...

    async def grant_lease(self, ttl_seconds: int) -> int:
        """A new lease id; keys attached to it are deleted when it expires."""

    async def keepalive_lease(self, lease_id: int) -> None: ...

    async def revoke_lease(self, lease_id: int) -> None: ...

    async def close(self) -> None: ...
