"""The writes the embedded store's writer applies, each inside a group-commit transaction.

Each op reads what it must check (the key's newest row, the lease table) in the
same transaction it writes in, so compare-and-swap is exact: ops of one batch
run one after another and each sees the rows the ones before it wrote.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from kube.store.errors import KeyExistsError, KeyNotFoundError, RevisionMismatchError
from kube.store.protocol import KeyValue, WatchEvent
from kube.store.sqlite.log_schema import COMPACT_REVISION, LOG_COLUMNS, compact_revision, row_to_kv

COMPACT_STEP = 5000  # revisions compacted per transaction, so writers wait at most one step


@dataclass
class Applied:
    """What one op did: its result, and the watch events it caused, in revision order."""

    result: object = None
    events: list[WatchEvent] = field(default_factory=list)


def _newest_row(conn: sqlite3.Connection, key: bytes) -> tuple | None:
    return conn.execute(
        f"SELECT {LOG_COLUMNS} FROM log WHERE key = ? ORDER BY id DESC LIMIT 1", (key,)
    ).fetchone()


def _append(
    conn: sqlite3.Connection, key: bytes, created: int, deleted: int, prev: int, lease: int, value: bytes
) -> int:
    cursor = conn.execute(
        "INSERT INTO log (key, created, deleted, prev_revision, lease, value) VALUES (?, ?, ?, ?, ?, ?)",
        (key, created, deleted, prev, lease, value),
    )
    revision = cursor.lastrowid
    assert revision is not None
    return revision


def _check_lease(leases: set[int], lease: int) -> None:
    if lease and lease not in leases:
        raise KeyNotFoundError(f"requested lease not found: {lease}")


def _tombstone(conn: sqlite3.Connection, row: tuple) -> Applied:
    """Append a delete of the live row `row`; the tombstone keeps the deleted value."""
    before = row_to_kv(row)
    key = row[0]
    revision = _append(conn, key, before.create_revision, 1, before.mod_revision, before.lease, before.value)
    event = WatchEvent("DELETE", KeyValue(before.key, b"", 0, revision, 0), before)
    return Applied(before, [event])


@dataclass(frozen=True, slots=True)
class Create:
    key: str
    value: bytes
    lease: int = 0

    def apply(self, conn: sqlite3.Connection, leases: set[int]) -> Applied:
        raw = self.key.encode()
        row = _newest_row(conn, raw)
        if row is not None and not row[5]:
            raise KeyExistsError(f"key {self.key!r} already exists")
        _check_lease(leases, self.lease)
        prev = row[3] if row is not None else 0
        revision = _append(conn, raw, 0, 0, prev, self.lease, self.value)
        conn.execute("UPDATE log SET created = ? WHERE id = ?", (revision, revision))
        kv = KeyValue(self.key, self.value, revision, revision, self.lease)
        return Applied(kv, [WatchEvent("PUT", kv, None)])


@dataclass(frozen=True, slots=True)
class Update:
    key: str
    value: bytes
    expected_revision: int
    lease: int = 0

    def apply(self, conn: sqlite3.Connection, leases: set[int]) -> Applied:
        raw = self.key.encode()
        row = _newest_row(conn, raw)
        if row is None or row[5]:
            raise KeyNotFoundError(f"key {self.key!r} not found")
        current = row_to_kv(row)
        if current.mod_revision != self.expected_revision:
            raise RevisionMismatchError(
                f"key {self.key!r} is at revision {current.mod_revision}, not {self.expected_revision}", current
            )
        _check_lease(leases, self.lease)
        revision = _append(conn, raw, current.create_revision, 0, current.mod_revision, self.lease, self.value)
        kv = KeyValue(self.key, self.value, current.create_revision, revision, self.lease)
        return Applied(kv, [WatchEvent("PUT", kv, current)])


@dataclass(frozen=True, slots=True)
class Delete:
    key: str
    expected_revision: int = 0

    def apply(self, conn: sqlite3.Connection, leases: set[int]) -> Applied:
        row = _newest_row(conn, self.key.encode())
        if row is None or row[5]:
            raise KeyNotFoundError(f"key {self.key!r} not found")
        if self.expected_revision > 0 and row[3] != self.expected_revision:
            raise RevisionMismatchError(
                f"key {self.key!r} is at revision {row[3]}, not {self.expected_revision}", row_to_kv(row)
            )
        return _tombstone(conn, row)


@dataclass(frozen=True, slots=True)
class GrantLease:
    ttl_seconds: int

    def apply(self, conn: sqlite3.Connection, leases: set[int]) -> Applied:
        cursor = conn.execute("INSERT INTO leases (ttl) VALUES (?)", (self.ttl_seconds,))
        lease_id = cursor.lastrowid
        assert lease_id is not None
        leases.add(lease_id)
        return Applied(lease_id)


@dataclass(frozen=True, slots=True)
class RevokeLease:
    """Drop the lease and delete every key attached to it (one DELETE event each)."""

    lease_id: int

    def apply(self, conn: sqlite3.Connection, leases: set[int]) -> Applied:
        if self.lease_id not in leases:
            raise KeyNotFoundError(f"requested lease not found: {self.lease_id}")
        rows = conn.execute(
            f"SELECT {LOG_COLUMNS} FROM log AS l WHERE lease = ? AND deleted = 0 "
            "AND id = (SELECT MAX(id) FROM log WHERE key = l.key) ORDER BY key",
            (self.lease_id,),
        ).fetchall()
        applied = Applied(None)
        for row in rows:
            applied.events += _tombstone(conn, row).events
        conn.execute("DELETE FROM leases WHERE id = ?", (self.lease_id,))
        leases.discard(self.lease_id)
        return applied


@dataclass(frozen=True, slots=True)
class CompactStep:
    """Forget history below `revision`, at most COMPACT_STEP revisions per transaction.

    A row below the target is dropped when a newer row of its key at or below the
    target supersedes it (found through prev_revision), and so is a tombstone below
    the target (the key is absent at the target either way). Rows at or above the
    target are kept, so reads and watches from the target still see everything.
    Result: the compact revision reached (== revision when done)."""

    revision: int

    def apply(self, conn: sqlite3.Connection, leases: set[int]) -> Applied:
        old = compact_revision(conn)
        if self.revision <= old:
            return Applied(old)
        upto = min(self.revision, old + COMPACT_STEP)
        conn.execute(
            "DELETE FROM log WHERE id IN "
            "(SELECT prev_revision FROM log WHERE id > ? AND id <= ? AND prev_revision > 0)",
            (old, upto),
        )
        conn.execute("DELETE FROM log WHERE id >= ? AND id < ? AND deleted = 1", (old, upto))
        conn.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (COMPACT_REVISION, upto),
        )
        return Applied(upto)


WriteOp = Create | Update | Delete | GrantLease | RevokeLease | CompactStep
