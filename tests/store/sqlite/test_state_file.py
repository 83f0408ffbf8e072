"""The state file is private (0600 in a 0700 directory) and gives its free pages back after compaction."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from pathlib import Path

import pytest

from kube.store.errors import StoreError
from kube.store.sqlite import SqliteStore
from kube.store.sqlite.log_schema import SCHEMA
from kube.store.sqlite.state_file import INCREMENTAL, free_page_share


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def pragma(path: Path, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"PRAGMA {name}").fetchone()[0])
    finally:
        conn.close()


async def test_a_new_file_is_0600_in_new_0700_directories_with_its_wal_and_shm(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.db"
    store = await SqliteStore.open(path)
    try:
        await store.create("/k", b"secret")
        assert mode(path) == 0o600
        assert mode(path.with_name("state.db-wal")) == 0o600
        assert mode(path.with_name("state.db-shm")) == 0o600
        assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    finally:
        await store.close()


async def test_an_existing_world_readable_file_and_wal_are_tightened(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.db"
    store = await SqliteStore.open(path)
    await store.create("/k", b"secret")
    await store.close()
    path.chmod(0o644)
    wal = path.with_name("state.db-wal")
    wal.write_bytes(b"")
    wal.chmod(0o666)
    with caplog.at_level(logging.WARNING, logger="kube.store.sqlite"):
        store = await SqliteStore.open(path)
    try:
        assert mode(path) == 0o600 and mode(wal) == 0o600
        assert (await store.get("/k")).value == b"secret"  # type: ignore[union-attr]
        assert any("was mode 644" in r.getMessage() for r in caplog.records)
    finally:
        await store.close()


async def test_an_existing_open_directory_is_left_alone_but_named(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="kube.store.sqlite"):
        store = await SqliteStore.open(shared / "state.db")
    await store.close()
    assert mode(shared) == 0o755
    assert mode(shared / "state.db") == 0o600
    assert any(str(shared) in r.getMessage() and "0700" in r.getMessage() for r in caplog.records)


async def test_a_directory_that_cannot_be_made_is_one_clear_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError) as caught:
        await SqliteStore.open(blocker / "state.db")
    assert "cannot" in str(caught.value) and "\n" not in str(caught.value)


async def write_many_revisions(store: SqliteStore, keys: int, rounds: int) -> None:
    """keys keys of 1.5 kB, updated `rounds` times, then three in four deleted."""
    value = b"x" * 1500
    kvs = await asyncio.gather(*(store.create(f"/burst/{i}", value) for i in range(keys)))
    for _ in range(rounds):
        kvs = await asyncio.gather(*(store.update(kv.key, value, expected_revision=kv.mod_revision) for kv in kvs))
    await asyncio.gather(*(store.delete(kv.key) for kv in kvs[: keys * 3 // 4]))


async def test_compaction_gives_the_freed_pages_back(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = await SqliteStore.open(path)
    try:
        await write_many_revisions(store, keys=1000, rounds=3)
        high_water = pragma(path, "page_count")
        await store.compact(await store.current_revision())
        conn = sqlite3.connect(path)
        try:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            share = free_page_share(conn)
        finally:
            conn.close()
        assert share < 0.05, f"{share:.0%} of {pages} pages free after compaction"
        # 4,750 rows of 1.5 kB before; 250 of them after (the keys still there)
        assert pages < high_water / 5, (pages, high_water)
        assert len((await store.range("/burst/")).items) == 250
    finally:
        await store.close()
    assert pragma(path, "auto_vacuum") == INCREMENTAL


async def test_a_file_made_without_auto_vacuum_is_converted_once_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA journal_mode=WAL")
    old.executescript(SCHEMA)
    old.execute("INSERT INTO log (key, created, value) VALUES (?, 1, ?)", (b"/old", b"kept"))
    old.close()
    assert pragma(path, "auto_vacuum") == 0
    store = await SqliteStore.open(path)
    try:
        kv = await store.get("/old")
        assert kv is not None and kv.value == b"kept" and kv.mod_revision == 1
        assert (await store.create("/new", b"n")).mod_revision == 2
        await write_many_revisions(store, keys=400, rounds=2)
        await store.compact(await store.current_revision())
    finally:
        await store.close()
    assert pragma(path, "auto_vacuum") == INCREMENTAL
    assert pragma(path, "freelist_count") < 0.05 * pragma(path, "page_count")
