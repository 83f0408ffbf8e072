"""A watcher that falls behind re-reads the log instead of holding up the writer."""

from __future__ import annotations

import pytest

from kube.store.errors import CompactedError
from kube.store.sqlite import SqliteStore, watch_hub
from tests.store.contract_waits import collect


async def test_an_overflowing_watcher_catches_up_from_the_log_losing_nothing(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_hub, "LIVE_BUFFER", 10)
    monkeypatch.setattr(watch_hub, "CATCH_UP_CHUNK", 7)
    watch = sqlite_store.watch("/w/")
    try:
        writes = [await sqlite_store.create(f"/w/{i:03d}", b"v") for i in range(100)]
        first = await collect(watch, 5)
        more = [await sqlite_store.create(f"/w/x{i:03d}", b"v") for i in range(50)]  # overflows again
        rest = await collect(watch, 145)
        assert [e.revision for e in first + rest] == [kv.mod_revision for kv in writes + more]
    finally:
        await watch.cancel()


async def test_an_overflowed_watcher_whose_history_was_compacted_ends_with_compacted_error(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_hub, "LIVE_BUFFER", 10)
    watch = sqlite_store.watch("/w/")
    try:
        for i in range(30):
            await sqlite_store.create(f"/w/{i}", b"v")
        await sqlite_store.compact(await sqlite_store.current_revision())
        with pytest.raises(CompactedError) as caught:
            await collect(watch, 30)
        assert caught.value.compact_revision == await sqlite_store.compacted_revision()
    finally:
        await watch.cancel()


async def test_closing_the_store_ends_its_watches(sqlite_store: SqliteStore) -> None:
    watch = sqlite_store.watch("/w/")
    await sqlite_store.close()
    assert [event async for event in watch] == []
