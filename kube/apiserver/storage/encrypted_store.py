"""A Store that encrypts the values of the configured resources on the way in and out.

This is where Kubernetes' etcd3 store applies its value transformer: on the
bytes of the whole stored object, keyed by the store key (also the AES-GCM
additional data), so every path above it, gets, lists, the watch cache and
watch replays, sees plaintext, on SQLite and etcd alike.

A value that does not decrypt (a key removed from the config too early, a
corrupted row) is not an exception here: reads hand it on as an
`UnreadableKeyValue` carrying the reason, and `object_store.decode` answers it
as 500 InternalError for that object alone, so one bad Secret neither stops
the watch cache nor hides the others.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from kube.apiserver.storage import encryption_config
from kube.apiserver.storage.encryption_providers import ProviderChain, TransformError
from kube.store.protocol import KeyValue, RangeResult, Store, Watch, WatchEvent

log = logging.getLogger("kube.apiserver.storage.encryption")


@dataclass(frozen=True, slots=True)
class UnreadableKeyValue(KeyValue):
    """A stored value the configured providers could not read; `value` is the stored bytes."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class StaleKeyValue(KeyValue):
    """Read with a provider other than the one that writes (an old key, or plaintext): an update
    must re-write it even when nothing else changed, which is how keys are rotated."""


class EncryptingStore:
    """Wraps a Store; keys under a configured resource's prefix are transformed, others pass through."""

    def __init__(self, inner: Store, chains: dict[str, ProviderChain]) -> None:
        self.inner = inner
        self._chains = sorted(chains.items(), key=lambda item: -len(item[0]))  # longest prefix first

    def chain_for(self, key: str) -> ProviderChain | None:
        for prefix, chain in self._chains:
            if key.startswith(prefix):
                return chain
        return None

    def _seal(self, key: str, value: bytes) -> bytes:
        chain = self.chain_for(key)
        return chain.encrypt(value, key.encode()) if chain is not None else value

    def _open(self, kv: KeyValue) -> KeyValue:
        chain = self.chain_for(kv.key)
        if chain is None or not kv.value:
            return kv
        try:
            plain, stale = chain.decrypt_stale(kv.value, kv.key.encode())
        except TransformError as exc:
            log.error('unable to transform key "%s": %s', kv.key, exc)
            return UnreadableKeyValue(kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.lease,
                                      reason=str(exc))
        cls = StaleKeyValue if stale else KeyValue
        return cls(kv.key, plain, kv.create_revision, kv.mod_revision, kv.lease)

    async def get(self, key: str) -> KeyValue | None:
        kv = await self.inner.get(key)
        return self._open(kv) if kv is not None else None

    async def range(self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0) -> RangeResult:
        page = await self.inner.range(prefix, start_after=start_after, limit=limit, revision=revision)
        if not self._chains:
            return page
        return RangeResult([self._open(kv) for kv in page.items], page.revision, page.more, page.count)

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> KeyValue:
        kv = await self.inner.create(key, self._seal(key, value), lease=lease)
        return KeyValue(kv.key, value, kv.create_revision, kv.mod_revision, kv.lease)

    async def update(self, key: str, value: bytes, *, expected_revision: int, lease: int = 0) -> KeyValue:
        kv = await self.inner.update(key, self._seal(key, value), expected_revision=expected_revision, lease=lease)
        return KeyValue(kv.key, value, kv.create_revision, kv.mod_revision, kv.lease)

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        return self._open(await self.inner.delete(key, expected_revision=expected_revision))

    def watch(self, prefix: str, *, start_revision: int = 0) -> Watch:
        return _DecryptingWatch(self, self.inner.watch(prefix, start_revision=start_revision))

    async def current_revision(self) -> int:
        return await self.inner.current_revision()

    async def compact(self, revision: int) -> None:
        await self.inner.compact(revision)

    async def compacted_revision(self) -> int:
        return await self.inner.compacted_revision()

    async def grant_lease(self, ttl_seconds: int) -> int:
        return await self.inner.grant_lease(ttl_seconds)

    async def keepalive_lease(self, lease_id: int) -> None:
        await self.inner.keepalive_lease(lease_id)

    async def revoke_lease(self, lease_id: int) -> None:
        await self.inner.revoke_lease(lease_id)

    async def close(self) -> None:
        await self.inner.close()


class _DecryptingWatch:
    def __init__(self, store: EncryptingStore, inner: Watch) -> None:
        self._store = store
        self._inner = inner

    def __aiter__(self) -> AsyncIterator[WatchEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[WatchEvent]:
        opened = self._store._open
        async for ev in self._inner:
            prev = opened(ev.prev_kv) if ev.prev_kv is not None else None
            yield WatchEvent(ev.type, opened(ev.kv), prev)

    async def cancel(self) -> None:
        await self._inner.cancel()


def with_encryption(store: Store, config_path: str) -> Store:
    """The store as the API server uses it: encrypting when --encryption-provider-config names a file."""
    if not config_path:
        return store
    return EncryptingStore(store, encryption_config.load(config_path))
