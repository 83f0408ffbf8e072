"""Upkeep compacts to the newest revision that is at least keep_seconds old."""

from __future__ import annotations

import asyncio

import pytest

from kube.store.errors import CompactedError
from kube.store.sqlite import SqliteStore
from kube.store.upkeep import EVENT_TTL_SECONDS, Upkeep


async def test_upkeep_keeps_the_history_of_the_last_keep_seconds(sqlite_store: SqliteStore) -> None:
    upkeep = Upkeep(sqlite_store, keep_seconds=300, interval=60)
    revisions: dict[int, int] = {}
    kv = await sqlite_store.create("/u/k", b"0")
    for minute in range(0, 11):
        kv = await sqlite_store.update("/u/k", str(minute).encode(), expected_revision=kv.mod_revision)
        revisions[minute] = kv.mod_revision
        await upkeep.tick(now=minute * 60.0)
    # at minute 10 the sample of minute 5 is the newest one at least 5 minutes old
    assert await sqlite_store.compacted_revision() == revisions[5]
    assert upkeep.compacted == revisions[5]
    with pytest.raises(CompactedError):
        await sqlite_store.range("/u/", revision=revisions[5] - 1)
    assert (await sqlite_store.range("/u/", revision=revisions[5])).items[0].value == b"5"


async def test_upkeep_does_nothing_before_keep_seconds_have_passed(sqlite_store: SqliteStore) -> None:
    upkeep = Upkeep(sqlite_store, keep_seconds=300)
    for second in range(0, 299, 30):
        await sqlite_store.create(f"/u/{second}", b"v")
        assert await upkeep.tick(now=float(second)) == 0
    assert await sqlite_store.compacted_revision() == 0


async def test_upkeep_does_not_compact_twice_to_the_same_revision(sqlite_store: SqliteStore) -> None:
    upkeep = Upkeep(sqlite_store, keep_seconds=10)
    await sqlite_store.create("/u/a", b"v")
    await upkeep.tick(now=0.0)
    assert await upkeep.tick(now=20.0) > 0
    assert await upkeep.tick(now=40.0) == 0  # no writes since: nothing new to forget


async def test_started_upkeep_compacts_in_the_background_and_stops(sqlite_store: SqliteStore) -> None:
    upkeep = Upkeep(sqlite_store, keep_seconds=0, interval=0.05)
    await sqlite_store.create("/u/a", b"v")
    upkeep.start()
    try:
        for _ in range(400):
            if await sqlite_store.compacted_revision() > 0:
                break
            await asyncio.sleep(0.05)
        assert await sqlite_store.compacted_revision() > 0
    finally:
        await upkeep.stop()


def test_event_ttl_is_kubernetes_default_of_one_hour() -> None:
    assert EVENT_TTL_SECONDS == 3600
