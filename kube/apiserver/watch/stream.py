"""Serving a watch: chunked JSON lines `{"type": ..., "object": ...}` until timeout.

Events are written in batches (everything pending at once) so a burst costs one
write per watcher, not one per event; bookmarks are sent only while the
watcher's queue is empty, so a bookmark's resourceVersion never runs ahead of
an event the client has not received.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web
from multidict import MultiMapping

from kube.api.errors import StatusError, gone, invalid_object
from kube.api.errors import invalid as field_invalid
from kube.api.go_json import html_safe
from kube.api.registry import KindInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.storage.object_store import parse_rv
from kube.apiserver.watch.cache_watcher import CacheWatcher
from kube.apiserver.watch.events import CacheEvent, bookmark, error_event
from kube.apiserver.watch.replay import StoreReplay


def _flag(query: MultiMapping[str], name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")


def _timeout(query: MultiMapping[str], default: int) -> float:
    text = query.get("timeoutSeconds", "")
    if not text:
        return float(default)
    try:
        value = int(text)
    except ValueError:
        raise StatusError(400, "BadRequest", f'invalid timeoutSeconds "{text}"') from None
    return float(max(value, 0))


async def serve_watch(request: web.Request, state: ServerState, kind: KindInfo, flt: ObjectFilter,
                      table: bool) -> web.StreamResponse:
    query = request.query
    rv_text = query.get("resourceVersion", "")
    match = query.get("resourceVersionMatch", "")
    send_initial_text = query.get("sendInitialEvents", "")
    bookmarks = _flag(query, "allowWatchBookmarks")
    timeout = _timeout(query, state.config.min_request_timeout)
    cache = state.cache
    watcher: CacheWatcher | None
    replay: StoreReplay | None = None

    if send_initial_text:
        send_initial = send_initial_text.lower() == "true"
        if match != "NotOlderThan" or not bookmarks:
            raise invalid_object("WatchOptions", "", [field_invalid(
                "sendInitialEvents", send_initial_text,
                "sendInitialEvents is forbidden for watch unless the WatchList feature is used: it needs "
                "resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true")], "meta.k8s.io")
        if rv_text in ("", "0"):
            if rv_text == "":
                await cache.consistent()
        else:
            await cache.wait_for(parse_rv(rv_text))
        if send_initial:
            watcher = cache.watch(kind, flt, 0, initial=True, initial_end_bookmark=True)
        else:
            watcher = cache.watch(kind, flt, parse_rv(rv_text) if rv_text else cache.revision, initial=False)
    elif rv_text in ("", "0"):
        if rv_text == "":
            await cache.consistent()
        watcher = cache.watch(kind, flt, 0, initial=True)
    else:
        after = parse_rv(rv_text)
        if after > cache.revision:
            await cache.wait_for(after)
        watcher = cache.watch(kind, flt, after, initial=False)
        if watcher is None:
            replay = _start_replay(state, kind, flt, after)
            watcher = replay.watcher
    assert watcher is not None
    if replay is not None:
        state.replays += 1
    try:
        return await _stream(request, state, kind, watcher, replay, table, bookmarks, timeout)
    finally:
        if replay is not None:
            state.replays -= 1
            await replay.stop()
        else:
            cache.unwatch(kind, watcher)


def _start_replay(state: ServerState, kind: KindInfo, flt: ObjectFilter, after: int) -> StoreReplay:
    from kube.store.errors import CompactedError

    try:
        return StoreReplay(state.store, kind, flt, after)
    except CompactedError as exc:
        raise gone(f"too old resource version: {after} ({exc.compact_revision})") from None


async def _stream(request: web.Request, state: ServerState, kind: KindInfo, watcher: CacheWatcher,
                  replay: StoreReplay | None, table: bool, bookmarks: bool, timeout: float) -> web.StreamResponse:
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json", "Cache-Control": "no-cache"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    interval = state.config.watch_bookmark_seconds
    last_rev = watcher.after_revision
    encode = _table_encoder(kind) if table else None
    try:
        while True:
            left = deadline - loop.time()
            if left <= 0:
                break
            await watcher.wait(min(left, interval) if bookmarks else left)
            events = watcher.drain()
            if events:
                last_rev = max(last_rev, max(e.revision for e in events))
                data = b"".join(encode(e) if encode else e.line() for e in events)
                await resp.write(data)
            elif watcher.closed:
                if replay is not None and replay.compacted is not None:
                    status = gone(f"too old resource version: {watcher.after_revision} "
                                  f"({replay.compacted.compact_revision})").status()
                    await resp.write(error_event(status).line())
                break
            elif bookmarks and loop.time() < deadline:
                rev = state.cache.revision if replay is None else last_rev
                if rev > 0:
                    mark = bookmark(kind.kind, kind.api_version, rev)
                    await resp.write(encode(mark) if encode else mark.line())
    except (ConnectionResetError, asyncio.CancelledError):
        return resp
    try:
        await resp.write_eof()
    except ConnectionResetError:
        pass
    return resp


def _table_encoder(kind: KindInfo) -> Any:
    """Each event's object as a one-row Table (a zero-row one for bookmarks), as kubectl get -w asks."""
    from kube.apiserver.tables import to_table

    def encode(event: CacheEvent) -> bytes:
        if event.type == "ERROR":
            return event.line()
        rv = event.obj.get("metadata", {}).get("resourceVersion", "")
        if event.type == "BOOKMARK":
            tbl = to_table(kind, [], list_meta={"resourceVersion": rv})
        else:
            tbl = to_table(kind, [event.obj], list_meta={"resourceVersion": rv})
        return html_safe(orjson.dumps({"type": event.type, "object": tbl})) + b"\n"

    return encode
