"""Watches that start before the cache's event window: replayed from the store.

After an API server restart the cache only knows events from its own start, yet
a client may resume from an older resourceVersion. The store still holds that
history (until compaction), so such a watch reads it directly: nothing is lost,
and a compacted start becomes 410 Gone exactly as Kubernetes answers.
"""

from __future__ import annotations

import asyncio

import orjson

from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.watch.cache_watcher import CacheWatcher
from kube.apiserver.watch.events import CacheEvent
from kube.store.errors import CompactedError
from kube.store.protocol import Store, WatchEvent


class StoreReplay:
    """Feeds a CacheWatcher from a store watch on the kind's (namespace's) prefix."""

    def __init__(self, store: Store, kind: KindInfo, flt: ObjectFilter, after: int) -> None:
        self.watcher = CacheWatcher(flt, after)
        self.kind = kind
        self.compacted: CompactedError | None = None
        prefix = kind.key_prefix(flt.namespace or None)
        self._watch = store.watch(prefix, start_revision=after + 1)
        self._task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for ev in self._watch:
                event = _to_cache_event(ev)
                if event is not None:
                    self.watcher.offer(event)
        except CompactedError as exc:
            self.compacted = exc
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the client re-watches
            pass
        self.watcher.close()

    async def stop(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing
            pass
        try:
            await self._watch.cancel()
        except Exception:  # noqa: BLE001 - closing
            pass


def _to_cache_event(ev: WatchEvent) -> CacheEvent | None:
    rev = ev.revision
    prev: Obj | None = None
    if ev.prev_kv is not None and ev.prev_kv.value:
        prev = orjson.loads(ev.prev_kv.value)
        prev["metadata"]["resourceVersion"] = str(ev.prev_kv.mod_revision)
    if ev.type == "PUT":
        obj = orjson.loads(ev.kv.value)
        obj["metadata"]["resourceVersion"] = str(rev)
        created = ev.kv.create_revision == ev.kv.mod_revision
        return CacheEvent("ADDED" if created else "MODIFIED", obj, prev, rev, obj["metadata"].get("namespace", ""))
    if prev is None:
        return None
    obj = {**prev, "metadata": {**prev["metadata"], "resourceVersion": str(rev)}}
    return CacheEvent("DELETED", obj, prev, rev, obj["metadata"].get("namespace", ""))
