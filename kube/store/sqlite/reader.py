"""Reads of the revision log, on a small pool of reader connections in worker threads.

Each read runs in one read transaction, so it sees one consistent snapshot
(WAL readers never wait for the writer), and it never runs on the event loop.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kube.store.errors import CompactedError, StoreError
from kube.store.protocol import KeyValue, RangeResult, WatchEvent
from kube.store.sqlite.log_schema import (
    LOG_COLUMNS,
    compact_revision,
    connect,
    encode_key,
    newest_revision,
    prefix_bounds,
    row_to_event,
    row_to_kv,
)

T = TypeVar("T")
READERS = 3


@dataclass(frozen=True, slots=True)
class LogChunk:
    """Log rows under a prefix from a revision on, as watch events, plus where the log stood."""

    events: list[WatchEvent]
    compact_revision: int
    newest_revision: int  # the snapshot's newest revision
    complete: bool  # no rows after the last event as of the snapshot


def _bounds_sql(high: bytes | None) -> str:
    return "key >= ? AND key < ?" if high is not None else "key >= ?"


def _bounds_args(low: bytes, high: bytes | None) -> tuple[bytes, ...]:
    return (low, high) if high is not None else (low,)


class LogReader:
    def __init__(self, path: Path, size: int = READERS) -> None:
        self._connections: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all = [connect(path) for _ in range(size)]
        for conn in self._all:
            self._connections.put(conn)
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sqlite-reader")

    async def run(self, read: Callable[[sqlite3.Connection], T]) -> T:
        """Run read(conn) inside one read transaction on a worker thread."""

        def in_thread() -> T:
            conn = self._connections.get()
            try:
                conn.execute("BEGIN")
                try:
                    return read(conn)
                finally:
                    conn.execute("COMMIT")
            finally:
                self._connections.put(conn)

        return await asyncio.get_running_loop().run_in_executor(self._executor, in_thread)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        for conn in self._all:
            conn.close()

    async def get(self, key: str) -> KeyValue | None:
        def read(conn: sqlite3.Connection) -> KeyValue | None:
            row = conn.execute(
                f"SELECT {LOG_COLUMNS} FROM log WHERE key = ? ORDER BY id DESC LIMIT 1", (encode_key(key),)
            ).fetchone()
            return None if row is None or row[5] else row_to_kv(row)

        return await self.run(read)

    async def range(self, prefix: str, start_after: str, limit: int, revision: int) -> RangeResult:
        low, high = prefix_bounds(prefix, start_after)
        bounds, args = _bounds_sql(high), _bounds_args(low, high)

        def read(conn: sqlite3.Connection) -> RangeResult:
            newest = newest_revision(conn)
            at = revision if revision > 0 else newest
            if revision > 0:
                compacted = compact_revision(conn)
                if revision < compacted:
                    raise CompactedError(
                        f"required revision {revision} has been compacted (compacted revision {compacted})",
                        compacted,
                    )
                if revision > newest:
                    raise StoreError(f"required revision {revision} is a future revision (newest {newest})")
            # rows that are their key's newest at `at`, walked in key order off the (key, id) index,
            # so a page stops after `limit` keys instead of sorting the whole range
            current_rows = (
                f"FROM log WHERE {bounds} AND deleted = 0 "
                "AND id = (SELECT MAX(id) FROM log AS newer WHERE newer.key = log.key AND newer.id <= ?)"
            )
            sql = f"SELECT {LOG_COLUMNS} {current_rows} ORDER BY key"
            if limit > 0:
                rows = conn.execute(f"{sql} LIMIT ?", (*args, at, limit + 1)).fetchall()
            else:
                rows = conn.execute(sql, (*args, at)).fetchall()
            more = limit > 0 and len(rows) > limit
            items = [row_to_kv(row) for row in (rows[:limit] if more else rows)]
            count = len(items)
            if more:
                count = conn.execute(f"SELECT COUNT(*) {current_rows}", (*args, at)).fetchone()[0]
            return RangeResult(items=items, revision=at, more=more, count=count)

        return await self.run(read)

    async def log_since(self, prefix: str, start: int, limit: int) -> LogChunk:
        """Changes under prefix with revision >= start, oldest first, at most limit of them."""
        low, high = prefix_bounds(prefix)
        bounds, args = _bounds_sql(high), _bounds_args(low, high)

        def read(conn: sqlite3.Connection) -> LogChunk:
            compacted = compact_revision(conn)
            newest = newest_revision(conn)
            if start < compacted:
                return LogChunk([], compacted, newest, complete=False)
            rows = conn.execute(
                f"SELECT {LOG_COLUMNS} FROM log WHERE id >= ? AND {bounds} ORDER BY id LIMIT ?",
                (start, *args, limit),
            ).fetchall()
            prev_ids = [row[6] for row in rows if not row[5] and row[6]]
            prevs = _live_rows(conn, prev_ids)
            events = [row_to_event(row, None if row[5] else prevs.get(row[6])) for row in rows]
            return LogChunk(events, compacted, newest, complete=len(rows) < limit)

        return await self.run(read)


def _live_rows(conn: sqlite3.Connection, ids: list[int]) -> dict[int, KeyValue]:
    """The non-tombstone rows among ids (the previous values of PUT events) still in the log."""
    found: dict[int, KeyValue] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        for row in conn.execute(f"SELECT {LOG_COLUMNS} FROM log WHERE id IN ({marks}) AND deleted = 0", part):
            found[row[3]] = row_to_kv(row)
    return found
