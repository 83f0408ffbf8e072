"""Informers: a local, indexed copy of one resource kept current by list + watch.

List once, then watch from the list's resourceVersion (retry_watch.py: a broken
connection or an API server restart means watching again from the last
resourceVersion seen, after a back-off, so no event is missed or repeated). On
410 Gone, or another Status, list again and tell handlers about objects that
vanished meanwhile (as DeletedFinalStateUnknown). The log says once that the
link broke and once that it is back. Handlers run in the informer's task, in
event order; a handler that raises is logged and does not stop the informer.

Only a bug ends the loop. Then `failed()` (and `wait_for_sync`, and the factory's
`failed()`) raise InformerFailed, so the component's main exits with that line
rather than living on with a cache that no longer changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from kube.api.meta import Obj, object_key
from kube.api.registry import KindInfo
from kube.client.backoff import Backoff
from kube.client.cache import Indexer, IndexFunc
from kube.client.errors import ApiConnectionError, ApiError, GoneError
from kube.client.rest import RestClient
from kube.client.retry_watch import Outage, RetryWatch
from kube.client.watch import WatchStream

log = logging.getLogger("kube.client.informer")
T = TypeVar("T")


@dataclass(frozen=True)
class DeletedFinalStateUnknown:
    """Passed to on_delete when an object disappeared while the watch was down:
    `obj` is the last state this informer saw."""

    key: str
    obj: Obj


class InformerFailed(Exception):
    """An informer's loop died of a bug (never of the network): its cache no longer follows the API."""


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
        self.outage = Outage(f"{kind.plural} informer", log)
        self.failure: InformerFailed | None = None
        self._failed = asyncio.Event()
        self._failure_callbacks: list[Callable[[InformerFailed], Any]] = []
        self._handlers: list[Handlers] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._watch: RetryWatch | None = None

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
        """True once listed, False after `timeout`; raises InformerFailed if the loop died first."""
        synced = asyncio.ensure_future(self._synced.wait())
        dead = asyncio.ensure_future(self._failed.wait())
        try:
            await asyncio.wait({synced, dead}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            synced.cancel()
            dead.cancel()
        if self._synced.is_set():
            return True
        if self.failure is not None:
            raise self.failure
        return False

    async def failed(self) -> NoReturn:
        """Wait until the loop dies of a bug, then raise its InformerFailed (network trouble never ends it)."""
        await self._failed.wait()
        assert self.failure is not None
        raise self.failure

    def on_failure(self, callback: Callable[[InformerFailed], Any]) -> None:
        """Call `callback(failure)` when the loop dies (the factory's supervision)."""
        self._failure_callbacks.append(callback)
        if self.failure is not None:
            callback(self.failure)

    def start(self) -> None:
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name=f"informer-{self.kind.plural}")
            self._task.add_done_callback(self._ended)
            if self.resync_period:
                self._resync_task = loop.create_task(self._resync_loop())
                self._resync_task.add_done_callback(self._ended)

    async def stop(self) -> None:
        for task in (self._task, self._resync_task):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._task, self._resync_task) if t is not None),
                             return_exceptions=True)
        self._task = self._resync_task = None

    def _ended(self, task: asyncio.Task[None]) -> None:
        """A loop task finished: only cancellation (stop) is normal; anything else is reported."""
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            exc = RuntimeError("the loop returned")
        failure = InformerFailed(f"the {self.kind.plural} informer stopped: {type(exc).__name__}: {exc}")
        failure.__cause__ = exc
        log.error("%s", failure)  # one line; the traceback at debug (-v 4), as run_daemon does
        log.debug("the %s informer's loop failed", self.kind.plural, exc_info=exc)
        self.failure = failure
        self._failed.set()
        for callback in list(self._failure_callbacks):
            callback(failure)

    # --- the loop ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        """List, then watch for as long as the watch can be resumed; list again when it cannot."""
        while True:
            try:
                await self._list()
            except (ApiError, ApiConnectionError) as exc:
                self.outage.broke(exc, "list")
                await asyncio.sleep(self.backoff.next())
                continue
            self.outage.recovered()
            self.backoff.reset()
            self._watch = RetryWatch(self._open_watch, self.resource_version, outage=self.outage,
                                     backoff=self.backoff)
            try:
                async with contextlib.aclosing(self._watch.events()) as events:
                    async for event_type, obj in events:
                        await self._apply(event_type, obj)
            except GoneError:
                log.info("%s: resourceVersion %s is gone, listing again", self.kind.plural, self.resource_version)
            except ApiError as exc:  # a Status that a rewatch will not cure (403, 400...): list again
                self.outage.broke(exc)
                await asyncio.sleep(self.backoff.next())

    @property
    def reconnects(self) -> int:
        """Watches resumed from a resourceVersion since the last list (tests, metrics)."""
        return self._watch.reconnects if self._watch is not None else 0

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

    def _open_watch(self, resource_version: str) -> WatchStream:
        low, high = self.watch_timeout
        return self.client.watch(self.kind, self.namespace, resource_version=resource_version,
                                 label_selector=self.label_selector, field_selector=self.field_selector,
                                 allow_bookmarks=True, timeout_seconds=random.randint(low, high))

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


async def run_supervised(work: Awaitable[T], *supervised: Informer | SharedInformerFactory) -> T:
    """Run `work` (a component's main loop) until it returns; if an informer (or one of a
    factory's) dies of a bug first, cancel `work` and raise that InformerFailed, so the
    process ends with one clear line instead of working on from a cache that stopped."""
    job = asyncio.ensure_future(work)
    watchers = [asyncio.ensure_future(s.failed()) for s in supervised]
    try:
        await asyncio.wait({job, *watchers}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (job, *watchers):
            if not task.done():
                task.cancel()
        await asyncio.gather(job, *watchers, return_exceptions=True)
    if job.done() and not job.cancelled():
        return job.result()
    for watcher in watchers:
        if watcher.done() and not watcher.cancelled():
            watcher.result()  # raises the InformerFailed
    return job.result()  # cancelled from outside: raises CancelledError


class SharedInformerFactory:
    """One informer per (kind, namespace, selectors) for a whole process, so controllers
    that watch the same resource share one watch and one cache."""

    def __init__(self, client: RestClient, namespace: str | None = None, resync_period: float | None = None) -> None:
        self.client = client
        self.namespace = namespace
        self.resync_period = resync_period
        self._informers: dict[tuple[str, str, str | None, str | None, str | None], Informer] = {}
        self._started = False
        self.failure: InformerFailed | None = None
        self._failed = asyncio.Event()

    def informer_for(self, kind: KindInfo, *, namespace: str | None = None, label_selector: str | None = None,
                     field_selector: str | None = None, indexers: dict[str, IndexFunc] | None = None) -> Informer:
        namespace = namespace or self.namespace
        key = (kind.group, kind.kind, namespace, label_selector, field_selector)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(self.client, kind, namespace, label_selector=label_selector,
                                field_selector=field_selector, resync_period=self.resync_period)
            self._informers[key] = informer
            informer.on_failure(self._informer_failed)
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

    async def failed(self) -> NoReturn:
        """Wait until any informer of this factory (also one made later) dies of a bug; raise its
        InformerFailed. A component's main awaits this beside its work, so a deaf cache ends the process."""
        await self._failed.wait()
        assert self.failure is not None
        raise self.failure

    def _informer_failed(self, failure: InformerFailed) -> None:
        if self.failure is None:
            self.failure = failure
            self._failed.set()

    async def stop(self) -> None:
        await asyncio.gather(*(i.stop() for i in self._informers.values()))
        self._started = False
