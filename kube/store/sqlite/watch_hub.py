"""Watches of the embedded store: live fan-out from the writer, catch-up from the log.

A watch is in one of two modes:
- catch-up: it reads the log from its next revision in chunks (on a reader
  thread) until a read reaches the end of the log;
- live: it takes the events the writer fans out after each commit.
It is registered with the hub from the moment it is created, and every live
event it receives while catching up is kept too; once a catch-up read reaches
the end of the log, those kept events cover everything committed after that
read began. Events are deduplicated by revision (only revisions >= next pass),
so the switch has no gap and no duplicate.

A slow consumer never blocks the writer: its live buffer is bounded, and
when it overflows the buffer is dropped and the watch falls back to catch-up
from the log, losing nothing. Only if compaction has meanwhile removed the
revisions it still needs does it end with CompactedError (the API server's 410).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Protocol

from kube.store.errors import CompactedError, StoreError
from kube.store.protocol import WatchEvent
from kube.store.sqlite.reader import LogChunk

LIVE_BUFFER = 10_000  # events a watcher may fall behind before it re-reads from the log
CATCH_UP_CHUNK = 1_000  # log rows per catch-up read


class LogSource(Protocol):
    async def log_since(self, prefix: str, start: int, limit: int) -> LogChunk: ...


class SqliteWatch:
    def __init__(self, hub: WatchHub, source: LogSource, prefix: str, start: int, *, live: bool) -> None:
        self._hub = hub
        self._source = source
        self.prefix = prefix
        self._next = start  # the next revision to hand out
        self._live = live
        self._buffer: deque[WatchEvent] = deque()
        self._overflowed = False
        self._replayed: deque[WatchEvent] = deque()
        self._wakeup = asyncio.Event()
        self._finished = False
        self._error: BaseException | None = None

    def __aiter__(self) -> AsyncIterator[WatchEvent]:
        return self

    async def __anext__(self) -> WatchEvent:
        while True:
            if self._finished:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopAsyncIteration
            if self._replayed:
                event = self._replayed.popleft()
                self._next = event.revision + 1
                return event
            if not self._live:
                await self._catch_up()
                continue
            if self._overflowed:
                self._live = False  # fell too far behind: re-read from the log
                continue
            while self._buffer:
                event = self._buffer.popleft()
                if event.revision >= self._next:
                    self._next = event.revision + 1
                    return event
            self._wakeup.clear()
            await self._wakeup.wait()

    async def _catch_up(self) -> None:
        self._buffer.clear()
        self._overflowed = False
        try:
            chunk = await self._source.log_since(self.prefix, self._next, CATCH_UP_CHUNK)
        except Exception as error:  # the store closed under us, or the disk failed
            self._end(StoreError(f"watch from revision {self._next}: reading the log failed: {error}"))
            return
        if self._finished:
            return
        if self._next < chunk.compact_revision:
            self._end(CompactedError(
                f"watch from revision {self._next}: required revision has been compacted "
                f"(compacted revision {chunk.compact_revision})",
                chunk.compact_revision,
            ))
            return
        # the read starts at _next, and _next passes each replayed event as it is handed out
        self._replayed.extend(chunk.events)
        if chunk.complete and not self._overflowed:
            self._live = True  # the buffer holds everything committed since the read began

    def offer(self, events: list[WatchEvent]) -> None:
        """Called on the loop by the hub after each commit (never blocks)."""
        if self._finished or self._overflowed:
            return
        for event in events:
            if event.kv.key.startswith(self.prefix):
                if len(self._buffer) >= LIVE_BUFFER:
                    self._buffer.clear()
                    self._overflowed = True
                    break
                self._buffer.append(event)
        self._wakeup.set()

    def _end(self, error: BaseException | None = None) -> None:
        if self._finished:
            return
        self._finished = True
        self._error = error
        self._buffer.clear()
        self._replayed.clear()
        self._hub.remove(self)
        self._wakeup.set()

    async def cancel(self) -> None:
        """No event is handed out after this returns."""
        self._end()


class WatchHub:
    """The live watchers; the store calls publish() on the loop after each commit."""

    def __init__(self) -> None:
        self._watches: set[SqliteWatch] = set()

    def add(self, watch: SqliteWatch) -> None:
        self._watches.add(watch)

    def remove(self, watch: SqliteWatch) -> None:
        self._watches.discard(watch)

    def publish(self, events: list[WatchEvent]) -> None:
        if events:
            for watch in list(self._watches):
                watch.offer(events)

    def close(self) -> None:
        """End every watch (as cancel does): the store is going away."""
        for watch in list(self._watches):
            watch._end()

    def __len__(self) -> int:
        return len(self._watches)
