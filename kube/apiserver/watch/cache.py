"""The watch cache: every kind's objects in memory, kept current by one store watch.

Lists and watches are served from here, as Kubernetes' cacher does, so reads
cost no store round trip. One watch on the whole key space (rather than one per
kind) means the cache's revision is the store's revision once it has caught up,
which is what makes a consistent list possible: wait until the cache has seen
the store's current revision, then answer from memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

import orjson

from kube.api.errors import StatusError
from kube.api.meta import Obj
from kube.api.registry import KINDS, KindInfo
from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.storage.object_store import decode
from kube.apiserver.watch.cache_watcher import CacheWatcher
from kube.apiserver.watch.events import CacheEvent, bookmark
from kube.store.protocol import Store, WatchEvent

log = logging.getLogger("kube.apiserver.watch.cache")

EVENT_WINDOW = 10_000  # recent events kept per kind for resuming watches
CATCH_UP_SECONDS = 5.0


class KindCache:
    """One kind's objects (key -> object) and its recent events."""

    def __init__(self, kind: KindInfo, window: int = EVENT_WINDOW) -> None:
        self.kind = kind
        self.prefix = kind.key_prefix()
        self.objects: dict[str, Obj] = {}
        self.events: deque[CacheEvent] = deque(maxlen=window)
        self.window_start = 0  # every event after this revision is in `events`
        self.watchers: set[CacheWatcher] = set()
        self.unreadable: dict[str, StatusError] = {}  # key -> the 500 a read of it answers (object_store.decode)

    def reset(self, objects: dict[str, Obj], revision: int, unreadable: dict[str, StatusError] | None = None) -> None:
        self.objects = objects
        self.unreadable = unreadable or {}
        self.events.clear()
        self.window_start = revision
        for w in list(self.watchers):
            w.close()
        self.watchers.clear()

    def stamp(self) -> tuple[int, int]:
        """Changes whenever the objects do (a relist replaces the dict; an event moves the revision):
        what a reader that derives an index from them compares instead of subscribing."""
        last = self.events[-1].revision if self.events else self.window_start
        return id(self.objects), last

    def apply(self, ev: WatchEvent) -> None:
        key, rev = ev.kv.key, ev.revision
        if ev.type == "PUT":
            try:
                obj = decode(ev.kv)
            except StatusError as exc:  # unreadable now: reads of it fail, nothing else does
                self.objects.pop(key, None)
                self.unreadable[key] = exc
                return
            self.unreadable.pop(key, None)
            prev = self.objects.get(key)
            self.objects[key] = obj
            event = CacheEvent("ADDED" if prev is None else "MODIFIED", obj, prev, rev,
                               obj["metadata"].get("namespace", ""))
        else:
            prev = self.objects.pop(key, None)
            self.unreadable.pop(key, None)
            if prev is None:
                if ev.prev_kv is None or not ev.prev_kv.value:
                    return
                prev = orjson.loads(ev.prev_kv.value)
            obj = {**prev, "metadata": {**prev["metadata"], "resourceVersion": str(rev)}}
            event = CacheEvent("DELETED", obj, prev, rev, obj["metadata"].get("namespace", ""))
        if len(self.events) == self.events.maxlen:
            self.window_start = self.events[0].revision
        self.events.append(event)
        for w in self.watchers:
            w.offer(event)
        dead = [w for w in self.watchers if w.closed]
        for w in dead:
            self.watchers.discard(w)

    def select(self, flt: ObjectFilter) -> list[Obj]:
        """Matching objects in key order (the order the store lists them in); 500 when one in
        range is unreadable, as a list from the store would be."""
        if self.unreadable:
            self._check_readable(flt)
        name = flt.exact_name()
        if name is not None and (flt.namespace or not self.kind.namespaced):
            obj = self.objects.get(self.kind.key(flt.namespace, name))
            return [obj] if obj is not None and flt.matches(obj) else []
        if flt.namespace:
            prefix = self.kind.key_prefix(flt.namespace)
            keys = sorted(k for k in self.objects if k.startswith(prefix))
        else:
            keys = sorted(self.objects)
        objs = self.objects
        if flt.trivial and not flt.namespace:
            return [objs[k] for k in keys]
        return [objs[k] for k in keys if flt.matches(objs[k])]

    def _check_readable(self, flt: ObjectFilter) -> None:
        name = flt.exact_name()
        if name is not None and (flt.namespace or not self.kind.namespaced):
            bad = self.unreadable.get(self.kind.key(flt.namespace, name))
            if bad is not None:
                raise bad
            return
        prefix = self.kind.key_prefix(flt.namespace) if flt.namespace else self.prefix
        for key in sorted(self.unreadable):
            if key.startswith(prefix):
                raise self.unreadable[key]


class WatchCache:
    """All kinds' caches, fed by one store watch from the revision they were listed at."""

    def __init__(self, store: Store, kinds: tuple[KindInfo, ...] = KINDS, window: int = EVENT_WINDOW) -> None:
        self.store = store
        self.caches = {k: KindCache(k, window) for k in kinds}
        self._by_prefix = sorted(((c.prefix, c) for c in self.caches.values()), key=lambda p: -len(p[0]))
        self.revision = 0
        self.ready = asyncio.Event()
        self._advanced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watch: Any = None

    async def start(self) -> None:
        await self._load()
        self._task = asyncio.create_task(self._run(), name="watch-cache")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
        if self._watch is not None:
            try:
                await self._watch.cancel()
            except Exception:  # noqa: BLE001 - shutting down
                pass
        for cache in self.caches.values():
            for w in list(cache.watchers):
                w.close()

    async def _load(self) -> None:
        revision = await self.store.current_revision()
        for cache in self.caches.values():
            objects: dict[str, Obj] = {}
            unreadable: dict[str, StatusError] = {}
            start = ""
            while True:
                page = await self.store.range(cache.prefix, start_after=start, limit=5000, revision=revision)
                for kv in page.items:
                    if self._cache_for(kv.key) is not cache:
                        continue  # e.g. /registry/services/endpoints under /registry/services/
                    try:
                        objects[kv.key] = decode(kv)
                    except StatusError as exc:
                        unreadable[kv.key] = exc
                if not page.more or not page.items:
                    break
                start = page.items[-1].key
            cache.reset(objects, revision, unreadable)
        self.revision = revision
        self._pulse()
        self.ready.set()

    async def _run(self) -> None:
        while True:
            try:
                self._watch = self.store.watch("/", start_revision=self.revision + 1)
                async for ev in self._watch:
                    self._on_event(ev)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any store failure: relist and carry on
                log.warning("watch cache: store watch failed (%s); relisting", exc)
            self.ready.clear()
            while True:
                try:
                    await self._load()
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001
                    log.warning("watch cache: relist failed (%s); retrying", exc)
                    await asyncio.sleep(1.0)

    def _cache_for(self, key: str) -> KindCache | None:
        for prefix, cache in self._by_prefix:
            if key.startswith(prefix):
                return cache
        return None

    def _on_event(self, ev: WatchEvent) -> None:
        cache = self._cache_for(ev.kv.key)
        if cache is not None:
            try:
                cache.apply(ev)
            except (ValueError, KeyError, TypeError) as exc:
                log.error("watch cache: undecodable value at %s: %s", ev.kv.key, exc)
        if ev.revision > self.revision:
            self.revision = ev.revision
            self._pulse()

    def _pulse(self) -> None:
        self._advanced.set()
        self._advanced = asyncio.Event()

    async def wait_for(self, revision: int, timeout: float = CATCH_UP_SECONDS) -> None:
        """Until the cache has seen `revision`; 504 Timeout when it does not get there in time."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.revision < revision or not self.ready.is_set():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise StatusError(504, "Timeout", f"Too large resource version: {revision}, current: {self.revision}",
                                  {"causes": [{"reason": "ResourceVersionTooLarge",
                                               "message": "Too large resource version"}], "retryAfterSeconds": 1})
            try:
                await asyncio.wait_for(self._advanced.wait(), left)
            except TimeoutError:
                pass

    async def consistent(self) -> int:
        """Wait until the cache reflects everything the store holds now; the revision it is at."""
        await self.wait_for(await self.store.current_revision())
        return self.revision

    def watch(self, kind: KindInfo, flt: ObjectFilter, after: int, *, initial: bool,
              initial_end_bookmark: bool = False) -> CacheWatcher | None:
        """A registered watcher, prefilled with what it must see first; None when `after` is
        older than the kept events (the caller then replays from the store, or answers 410)."""
        cache = self.caches[kind]
        if initial:
            watcher = CacheWatcher(flt, self.revision)
            initial_events = [CacheEvent("ADDED", obj, None, int(obj["metadata"]["resourceVersion"]),
                                         obj["metadata"].get("namespace", "")) for obj in cache.select(flt)]
            if initial_end_bookmark:
                initial_events.append(bookmark(kind.kind, kind.api_version, self.revision, initial_end=True))
            watcher.prefill(initial_events)
        else:
            if after < cache.window_start:
                return None
            watcher = CacheWatcher(flt, after)
            for event in cache.events:
                watcher.offer(event)
        cache.watchers.add(watcher)
        return watcher

    def unwatch(self, kind: KindInfo, watcher: CacheWatcher) -> None:
        watcher.close()
        self.caches[kind].watchers.discard(watcher)

    def watcher_counts(self) -> dict[str, int]:
        return {k.kind: len(c.watchers) for k, c in self.caches.items()}
