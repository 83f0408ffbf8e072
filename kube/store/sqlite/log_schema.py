"""The on-disk layout of the embedded store: one revision log in one SQLite file.

Like k3s's kine, every write appends a row to `log`; the row id IS the global
revision (AUTOINCREMENT, so a revision is never reused even after compaction
removes the newest row). A key's value at revision R is its newest row with
id <= R; a delete appends a tombstone row that keeps the deleted value, so a
DELETE event (and its prev_kv) can be rebuilt from the log alone.

Columns: key (UTF-8 bytes, so ranges compare exactly as etcd's byte keys do),
created (the key's create revision), deleted (1 for a tombstone),
prev_revision (the id of the key's previous row, 0 if none: what compaction
follows to find superseded rows), lease, value.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kube.store.protocol import KeyValue, WatchEvent

SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key BLOB NOT NULL,
    created INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    prev_revision INTEGER NOT NULL DEFAULT 0,
    lease INTEGER NOT NULL DEFAULT 0,
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_id ON log (key, id);
CREATE INDEX IF NOT EXISTS log_lease ON log (lease) WHERE lease != 0;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY AUTOINCREMENT, ttl INTEGER NOT NULL);
"""

COMPACT_REVISION = "compact_revision"  # meta row: history below it is gone

# The columns every log read selects, in this order (see row_to_kv / row_to_event).
LOG_COLUMNS = "key, value, created, id, lease, deleted, prev_revision"


def connect(path: Path, *, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit BEGIN/COMMIT), WAL journal,
    incremental auto-vacuum (set first: it only takes on a file nothing has written yet).

    WAL with synchronous=NORMAL: a commit is durable once COMMIT returns as far as a
    process crash (kill -9) goes, since the WAL is written before COMMIT returns; only
    an OS crash or power loss can drop the last commits. synchronous=FULL closes that too,
    at an fsync per commit."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60.0)
    conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-16000")  # 16 MB page cache per connection
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def newest_revision(conn: sqlite3.Connection) -> int:
    """The last revision handed out (survives compaction, unlike MAX(id))."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'log'").fetchone()
    return int(row[0]) if row else 0


def compact_revision(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (COMPACT_REVISION,)).fetchone()
    return int(row[0]) if row else 0


def encode_key(key: str) -> bytes:
    return key.encode()


def prefix_bounds(prefix: str, start_after: str = "") -> tuple[bytes, bytes | None]:
    """[low, high) over byte keys starting with prefix and strictly after start_after;
    high None means no upper bound (empty prefix)."""
    low = prefix.encode()
    high = prefix_range_end(low)
    if start_after:
        low = max(low, start_after.encode() + b"\x00")  # the smallest key after start_after
    return low, high


def prefix_range_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with prefix (etcd's GetPrefixRangeEnd)."""
    end = bytearray(prefix)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return None


def row_to_kv(row: tuple) -> KeyValue:
    """A live (non-tombstone) row as the key's value."""
    key, value, created, revision, lease = row[:5]
    return KeyValue(key.decode(), bytes(value), created, revision, lease)


def row_to_event(row: tuple, prev: KeyValue | None) -> WatchEvent:
    """The watch event a log row records; prev is the key's previous value for a PUT."""
    key, value, created, revision, lease, deleted, prev_revision = row
    name = key.decode()
    if deleted:
        before = KeyValue(name, bytes(value), created, prev_revision, lease)
        return WatchEvent("DELETE", KeyValue(name, b"", 0, revision, 0), before)
    return WatchEvent("PUT", KeyValue(name, bytes(value), created, revision, lease), prev)
