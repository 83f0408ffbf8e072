"""Informers: a local, indexed copy of one resource kept current by list + watch.

List once, then watch from the list's resourceVersion; on 410 Gone list again and
tell handlers about objects that vanished meanwhile (as DeletedFinalStateUnknown);
on any other failure reconnect with back-off. Handlers run in the informer's task,
in event order; a handler that raises is logged and does not stop the informer.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kube.api.registry import KindInfo
from kube.client.backoff import Backoff
from kube.client.cache import Indexer, IndexFunc, Obj, object_key
from kube.client.errors import ApiConnectionError, ApiError, GoneError
from kube.client.rest import RestClient

log = logging.getLogger("kube.client.informer")


@dataclass(frozen=True)
class DeletedFinalStateUnknown:
    """Passed to on_delete when an object disappeared while the watch was down:
    `obj` is the last state this informer saw."""

    key: str
    obj: Obj


@dataclass
class Handlers:
    on_add: Callable[[Obj], Any] | None = None
    on_update: Callable[[Obj, Obj], Any] | None = None
    on_delete: Callable[[Obj | DeletedFinalStateUnknown], Any] | None = None


class Informer:
    def __init__(self, client: RestClient, kind: KindInfo, namespace: str | None = None, *,
                 label_selector: str | None = None, field_selector: str | None = None,
                 indexers: dict[str, IndexFunc] | None = None, resync_period: float | None = None,
                 page_size: int = 500, watch_timeout: tuple[int, int] = (300, 600),
                 backoff: Backoff | None = None) -> None:
        self.client = client
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.store = Indexer(indexers)
        self.resync_period = resync_period
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.backoff = backoff or Backoff(base=0.5, cap=30.0)
        self.resource_version = ""
        self.lists = 0  # how many times it listed (1 + relists): visible for tests and metrics
        self._handlers: list[Handlers] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._resync_task: asyncio.Task[None] | None = None

    # --- public ------------------------------------------------------------------------------------

    def add_handler(self, on_add: Callable[[Obj], Any] | None = None,
                    on_update: Callable[[Obj, Obj], Any] | None = None,
                    on_delete: Callable[[Obj | DeletedFinalStateUnknown], Any] | None = None) -> None:
        """Register handlers (sync or async). Added after sync, on_add is replayed for what is cached."""
        handlers = Handlers(on_add, on_update, on_delete)
        self._handlers.append(handlers)
        if self._synced.is_set() and on_add is not None:
            for obj in self.store.list():
                _call_soon(on_add, obj)

    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        self.store.add_indexers(indexers)

    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._synced.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def start(self) -> None:
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name=f"informer-{self.kind.plural}")
            if self.resync_period:
                self._resync_task = loop.create_task(self._resync_loop())

    async def stop(self) -> None:
        for task in (self._task, self._resync_task):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._task, self._resync_task) if t is not None),
                             return_exceptions=True)
        self._task = self._resync_task = None

    # --- the loop ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await self._list()
                self.backoff.reset()
                while True:
                    if not await self._watch():  # closed at once with nothing said: do not spin
                        await asyncio.sleep(self.backoff.next())
            except GoneError:
                log.info("%s: resourceVersion %s is gone, listing again", self.kind.plural, self.resource_version)
            except (ApiError, ApiConnectionError, OSError) as exc:
                delay = self.backoff.next()
                log.warning("%s: %s; retrying in %.1fs", self.kind.plural, exc, delay)
                await asyncio.sleep(delay)

    async def _list(self) -> None:
        page = await self.client.list_all(self.kind, self.namespace, label_selector=self.label_selector,
                                          field_selector=self.field_selector, page_size=self.page_size)
        items = [self._typed(o) for o in page.get("items") or []]
        self.lists += 1
        await self._replace(items)
        self.resource_version = str((page.get("metadata") or {}).get("resourceVersion", ""))
        self._synced.set()

    async def _replace(self, items: list[Obj]) -> None:
        """Swap the cache for a fresh list and report the differences to handlers."""
        previous = {object_key(o): o for o in self.store.list()}
        self.store.replace(items)
        for obj in items:
            old = previous.pop(object_key(obj), None)
            if old is None:
                await self._emit("add", obj)
            elif _rv(old) != _rv(obj):
                await self._emit("update", old, obj)
        for key, old in previous.items():
            await self._emit("delete", DeletedFinalStateUnknown(key, old))

    async def _watch(self) -> bool:
        """One watch until the server ends it; False when it ended without a single event."""
        low, high = self.watch_timeout
        got_any = False
        async with self.client.watch(self.kind, self.namespace, resource_version=self.resource_version,
                                     label_selector=self.label_selector, field_selector=self.field_selector,
                                     allow_bookmarks=True, timeout_seconds=random.randint(low, high)) as stream:
            async for event_type, obj in stream:
                await self._apply(event_type, obj)
                got_any = True
                self.backoff.reset()
        return got_any

    async def _apply(self, event_type: str, obj: Obj) -> None:
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if event_type == "BOOKMARK":
            if rv:
                self.resource_version = str(rv)
            return
        obj = self._typed(obj)
        if event_type in ("ADDED", "MODIFIED"):
            old = self.store.put(obj)
            if old is None:
                await self._emit("add", obj)
            else:
                await self._emit("update", old, obj)
        elif event_type == "DELETED":
            self.store.remove(object_key(obj))
            await self._emit("delete", obj)
        if rv:
            self.resource_version = str(rv)

    async def _resync_loop(self) -> None:
        assert self.resync_period
        while True:
            await asyncio.sleep(self.resync_period)
            if self._synced.is_set():
                for obj in self.store.list():
                    await self._emit("update", obj, obj)

    async def _emit(self, what: str, *args: Any) -> None:
        for handlers in list(self._handlers):
            func = getattr(handlers, f"on_{what}")
            if func is None:
                continue
            try:
                result = func(*args)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("%s: on_%s handler failed", self.kind.plural, what)

    def _typed(self, obj: Obj) -> Obj:
        """List items come without kind/apiVersion; fill them so handlers see whole objects."""
        if "kind" not in obj:
            obj["kind"] = self.kind.kind
            obj["apiVersion"] = self.kind.api_version
        return obj


def _rv(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion", ""))


def _call_soon(func: Callable[[Obj], Any], obj: Obj) -> None:
    result = func(obj)
    if inspect.isawaitable(result):
        asyncio.ensure_future(result)


class SharedInformerFactory:
    """One informer per (kind, namespace, selectors) for a whole process, so controllers
    that watch the same resource share one watch and one cache."""

    def __init__(self, client: RestClient, namespace: str | None = None, resync_period: float | None = None) -> None:
        self.client = client
        self.namespace = namespace
        self.resync_period = resync_period
        self._informers: dict[tuple[str, str, str | None, str | None, str | None], Informer] = {}
        self._started = False

    def informer_for(self, kind: KindInfo, *, namespace: str | None = None, label_selector: str | None = None,
                     field_selector: str | None = None, indexers: dict[str, IndexFunc] | None = None) -> Informer:
        namespace = namespace or self.namespace
        key = (kind.group, kind.kind, namespace, label_selector, field_selector)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(self.client, kind, namespace, label_selector=label_selector,
                                field_selector=field_selector, resync_period=self.resync_period)
            self._informers[key] = informer
            if self._started:
                informer.start()
        if indexers:
            fresh = {n: f for n, f in indexers.items() if not informer.store.has_index(n)}
            informer.add_indexers(fresh)
        return informer

    def informers(self) -> list[Informer]:
        return list(self._informers.values())

    def start(self) -> None:
        """Start every informer asked for so far (and any asked for later)."""
        self._started = True
        for informer in self._informers.values():
            informer.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        results = await asyncio.gather(*(i.wait_for_sync(timeout) for i in self._informers.values()))
        return all(results)

    async def stop(self) -> None:
        await asyncio.gather(*(i.stop() for i in self._informers.values()))
        self._started = False
