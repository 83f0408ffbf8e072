"""SqliteStore: the store protocol embedded in one SQLite file (kine-like), for one machine.

Layout in log_schema.py, group commit in writer.py, watches in watch_hub.py,
lease expiry in leases.py, file modes and free pages in state_file.py. All SQLite work happens off the event loop: writes
on the writer thread, reads on reader threads, so the API server's loop never
blocks on the disk.

Durability: a write is acknowledged only after the COMMIT of its batch, and the
file is in WAL mode with synchronous=NORMAL, so every acknowledged write
survives a crash of the process (kill -9) and is there after reopening. An OS
crash or power loss may drop the newest commits unless opened with
synchronous="FULL".
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from kube.store.errors import RequestTooLargeError, StoreError
from kube.store.protocol import MAX_REQUEST_BYTES, KeyValue, RangeResult, WatchEvent
from kube.store.sqlite.leases import LeaseClock, sweep_expired
from kube.store.sqlite.log_schema import compact_revision, connect, create_schema, newest_revision
from kube.store.sqlite.reader import LogReader
from kube.store.sqlite.state_file import convert_to_incremental_vacuum, make_private
from kube.store.sqlite.watch_hub import SqliteWatch, WatchHub
from kube.store.sqlite.write_ops import CompactStep, Create, Delete, GrantLease, RevokeLease, Update, WriteOp
from kube.store.sqlite.writer import GroupCommitWriter, Outcome


class SqliteStore:
    def __init__(self, path: Path) -> None:
        """Use `await SqliteStore.open(path)`."""
        self.path = path
        self._revision = 0  # newest revision whose events have been published on the loop
        self._compacted = 0
        self._hub = WatchHub()
        self._leases = LeaseClock()
        self._writer: GroupCommitWriter | None = None
        self._reader: LogReader | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    async def open(cls, path: str | Path, *, synchronous: str = "NORMAL") -> SqliteStore:
        """Open (or create) the store file, private to its owner (state_file.py); missing
        directories are created 0700."""
        if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be NORMAL, FULL or EXTRA, not {synchronous!r}")
        store = cls(Path(path))
        await asyncio.to_thread(store._prepare_file)
        loop = asyncio.get_running_loop()
        store._reader = await asyncio.to_thread(LogReader, store.path)
        store._writer = await asyncio.to_thread(
            GroupCommitWriter, store.path, loop, store._batch_done, synchronous=synchronous.upper()
        )
        for lease_id, ttl in await store._reader.run(lambda c: c.execute("SELECT id, ttl FROM leases").fetchall()):
            store._leases.start(lease_id, ttl)
        store._sweeper = loop.create_task(sweep_expired(store._leases, store._expire), name="sqlite-lease-sweep")
        return store

    def _prepare_file(self) -> None:
        make_private(self.path)
        conn = connect(self.path)
        try:
            create_schema(conn)
            convert_to_incremental_vacuum(conn)
            self._revision = newest_revision(conn)
            self._compacted = compact_revision(conn)
        finally:
            conn.close()

    # -- plumbing ------------------------------------------------------------------------

    def _batch_done(self, events: list[WatchEvent], outcomes: list[Outcome]) -> None:
        """On the loop, after a batch committed: publish its events, then answer its callers,
        so anyone who saw a write acknowledged and then watches from 'now' starts after it."""
        try:
            if events:
                self._revision = max(self._revision, events[-1].revision)
                self._hub.publish(events)
        finally:  # a watcher that fails must never leave a committed write unanswered
            for outcome in outcomes:
                if outcome.future.done():
                    continue  # the caller gave up (cancelled); the write still happened
                if outcome.error is not None:
                    outcome.future.set_exception(outcome.error)
                else:
                    outcome.future.set_result(outcome.result)

    async def _write(self, op: WriteOp) -> object:
        if self._writer is None or self._closed:
            raise StoreError("the store is closed")
        return await self._writer.submit(op)

    def _read(self) -> LogReader:
        if self._reader is None or self._closed:
            raise StoreError("the store is closed")
        return self._reader

    @staticmethod
    def _check_size(key: str, value: bytes) -> None:
        size = len(key.encode()) + len(value)
        if size > MAX_REQUEST_BYTES:
            raise RequestTooLargeError(
                f"request is too large: key and value are {size} bytes, over the {MAX_REQUEST_BYTES} byte limit"
            )

    # -- the Store protocol ----------------------------------------------------------------

    async def get(self, key: str) -> KeyValue | None:
        return await self._read().get(key)

    async def range(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> RangeResult:
        return await self._read().range(prefix, start_after, max(limit, 0), max(revision, 0))

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> KeyValue:
        self._check_size(key, value)
        result = await self._write(Create(key, value, lease))
        assert isinstance(result, KeyValue)
        return result

    async def update(self, key: str, value: bytes, *, expected_revision: int, lease: int = 0) -> KeyValue:
        self._check_size(key, value)
        result = await self._write(Update(key, value, expected_revision, lease))
        assert isinstance(result, KeyValue)
        return result

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        result = await self._write(Delete(key, expected_revision))
        assert isinstance(result, KeyValue)
        return result

    def watch(self, prefix: str, *, start_revision: int = 0) -> SqliteWatch:
        """Registered at once: with start_revision 0 it sees every write acknowledged after
        this call; a start at or below the published revision first replays the log."""
        if self._closed:
            raise StoreError("the store is closed")
        start = start_revision if start_revision > 0 else self._revision + 1
        watch = SqliteWatch(self._hub, self._read(), prefix, start, live=start > self._revision)
        self._hub.add(watch)
        return watch

    async def current_revision(self) -> int:
        return self._revision

    async def compact(self, revision: int) -> None:
        """Forget history below revision (runs in steps between other writes)."""
        if revision > self._revision:
            raise StoreError(f"required revision {revision} is a future revision (newest {self._revision})")
        reached = await self._write(CompactStep(revision))
        assert isinstance(reached, int)
        self._compacted = max(self._compacted, reached)

    async def compacted_revision(self) -> int:
        return self._compacted

    async def grant_lease(self, ttl_seconds: int) -> int:
        if ttl_seconds <= 0:
            raise StoreError(f"lease TTL must be positive, not {ttl_seconds}")
        lease_id = await self._write(GrantLease(int(ttl_seconds)))
        assert isinstance(lease_id, int)
        self._leases.start(lease_id, int(ttl_seconds))
        return lease_id

    async def keepalive_lease(self, lease_id: int) -> None:
        self._leases.renew(lease_id)

    async def revoke_lease(self, lease_id: int) -> None:
        await self._write(RevokeLease(lease_id))
        self._leases.forget(lease_id)

    async def _expire(self, lease_id: int) -> None:
        await self.revoke_lease(lease_id)

    async def close(self) -> None:
        """Finish queued writes, end every watch, close the file. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._writer is not None:
            await self._writer.close()
        self._hub.close()
        if self._reader is not None:
            await asyncio.to_thread(self._reader.close)

    async def __aenter__(self) -> SqliteStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
