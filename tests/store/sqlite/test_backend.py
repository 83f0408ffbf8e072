"""SqliteStore across reopening, and after close."""

from __future__ import annotations

from pathlib import Path

import pytest

from kube.store.errors import StoreError
from kube.store.sqlite import SqliteStore
from tests.store.contract_waits import collect


async def test_reopening_keeps_values_revisions_history_and_leases(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = await SqliteStore.open(path)
    a = await store.create("/k/a", b"1")
    b = await store.update("/k/a", b"2", expected_revision=a.mod_revision)
    lease = await store.grant_lease(3600)
    leased = await store.create("/k/leased", b"l", lease=lease)
    await store.compact(b.mod_revision)
    await store.close()

    store = await SqliteStore.open(path)
    try:
        assert await store.get("/k/a") == b
        assert await store.get("/k/leased") == leased
        assert await store.current_revision() == leased.mod_revision
        assert await store.compacted_revision() == b.mod_revision
        await store.keepalive_lease(lease)
        watch = store.watch("/k/", start_revision=b.mod_revision)
        try:
            assert [e.revision for e in await collect(watch, 2)] == [b.mod_revision, leased.mod_revision]
        finally:
            await watch.cancel()
        assert (await store.create("/k/new", b"n")).mod_revision == leased.mod_revision + 1
    finally:
        await store.close()


async def test_revisions_are_never_reused_after_compaction_drops_the_newest_row(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "state.db")
    try:
        await store.create("/k", b"1")
        deleted = await store.delete("/k")
        tombstone = await store.current_revision()
        await store.create("/other", b"x")
        await store.delete("/other")
        await store.compact(await store.current_revision())
        again = await store.create("/k", b"2")
        assert again.mod_revision > tombstone > deleted.mod_revision
    finally:
        await store.close()


async def test_a_closed_store_refuses_calls_with_a_store_error(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "state.db")
    await store.close()
    await store.close()  # twice is fine
    with pytest.raises(StoreError):
        await store.create("/k", b"v")
    with pytest.raises(StoreError):
        await store.get("/k")
    with pytest.raises(StoreError):
        store.watch("/k")
