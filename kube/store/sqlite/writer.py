"""Group commit: one writer thread applies queued writes in batches, one transaction each.

Callers on the event loop enqueue an op with a future and await it. The writer
takes everything queued (up to MAX_BATCH), applies the ops in order inside ONE
`BEGIN IMMEDIATE ... COMMIT` (compare-and-swap checks included, so a batch is
exactly as if the ops ran one by one), and only after COMMIT returns hands the
outcomes back to the loop. An acknowledged write is therefore in the WAL: with
synchronous=NORMAL it survives kill -9 of the process (not an OS crash; use
synchronous=FULL for that). One commit per batch instead of per write is what
lets hundreds of concurrent writers share the disk. After a batch with a
compaction step the writer also gives the freed pages back (state_file.py).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kube.store.errors import StoreError
from kube.store.protocol import WatchEvent
from kube.store.sqlite.log_schema import connect
from kube.store.sqlite.state_file import release_free_pages
from kube.store.sqlite.write_ops import Applied, CompactStep, WriteOp

log = logging.getLogger("kube.store.sqlite")

MAX_BATCH = 1000
_STOP = object()


@dataclass(slots=True)
class Outcome:
    """One op's result (or error) for the loop, once its batch is committed or rolled back."""

    future: asyncio.Future[object]
    result: object = None
    error: BaseException | None = None


# called on the loop with the batch's events (in revision order) and every op's outcome
BatchDone = Callable[[list[WatchEvent], list[Outcome]], None]


class GroupCommitWriter:
    def __init__(self, path: Path, loop: asyncio.AbstractEventLoop, on_batch: BatchDone,
                 *, synchronous: str = "NORMAL") -> None:
        self._conn = connect(path, synchronous=synchronous)
        self._loop = loop
        self._on_batch = on_batch
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._leases = {row[0] for row in self._conn.execute("SELECT id FROM leases")}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._thread.start()

    @property
    def lease_ids(self) -> set[int]:
        """The leases stored when the writer started (read them before the first write)."""
        return set(self._leases)

    def submit(self, op: WriteOp) -> asyncio.Future[object]:
        if self._closed:
            raise StoreError("the store is closed")
        future: asyncio.Future[object] = self._loop.create_future()
        self._queue.put((op, future))
        return future

    async def close(self) -> None:
        """Finish every write queued so far, then stop the thread and close the connection."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        while True:  # ops requeued after the stop (an unfinished compaction) never ran
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, tuple) and not item[1].done():
                item[1].set_exception(StoreError("the store was closed before this write ran"))

    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    break
                batch = [item]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                        break
                    batch.append(item)
                self._commit(batch)  # type: ignore[arg-type]
                if stop:
                    break
        finally:
            self._conn.close()

    def _commit(self, batch: list[tuple[WriteOp, asyncio.Future[object]]]) -> None:
        events: list[WatchEvent] = []
        outcomes: list[Outcome] = []
        requeue: list[tuple[WriteOp, asyncio.Future[object]]] = []
        leases_before = set(self._leases)
        compacted = False
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for op, future in batch:
                try:
                    applied: Applied = op.apply(self._conn, self._leases)
                except StoreError as error:
                    outcomes.append(Outcome(future, error=error))
                    continue
                if isinstance(op, CompactStep):
                    compacted = True
                    if isinstance(applied.result, int) and applied.result < op.revision:
                        requeue.append((op, future))  # more steps to go; let other writes in between
                        continue
                events += applied.events
                outcomes.append(Outcome(future, result=applied.result))
            self._conn.execute("COMMIT")
        except Exception as error:  # a disk or SQLite failure: nothing of the batch happened
            log.error("sqlite store: batch of %d writes failed: %s", len(batch), error)
            self._rollback()
            self._leases = leases_before
            failure = StoreError(f"sqlite store: write failed: {error}")
            events, outcomes, requeue = [], [Outcome(f, error=failure) for _, f in batch], []
            compacted = False
        if compacted:
            self._release_free_pages()
        for item in requeue:
            self._queue.put(item)
        try:
            self._loop.call_soon_threadsafe(self._on_batch, events, outcomes)
        except RuntimeError:
            log.warning("sqlite store: event loop closed before %d writes were acknowledged", len(outcomes))

    def _release_free_pages(self) -> None:
        """After a committed compaction step, before its batch is answered (so a finished
        compact() has shrunk the file): give back the pages the step freed. Bounded by one
        step's rows, like the step itself; a failure only leaves them on the freelist."""
        try:
            release_free_pages(self._conn)
        except sqlite3.Error as error:
            log.warning("sqlite store: releasing free pages failed: %s", error)

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # no transaction was open
