"""Upkeep compacts to the newest revision that is at least keep_seconds old (or max_history back)
and keeps prefixes within their key budgets, Events above all."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kube.api.registry import resolve
from kube.store.errors import CompactedError
from kube.store.key_budget import KeyBudget
from kube.store.protocol import Store
from kube.store.sqlite import SqliteStore
from kube.store.upkeep import EVENT_TTL_SECONDS, EVENTS_BUDGET, MAX_EVENTS, Upkeep


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


async def test_a_budget_deletes_the_keys_written_longest_ago_down_to_its_low_water(store: Store) -> None:
    kvs = [await store.create(f"/b/{i:02}", b"v") for i in range(20)]
    await store.update("/b/00", b"again", expected_revision=kvs[0].mod_revision)  # the oldest, rewritten
    await store.create("/other/x", b"not under the prefix")
    deleted = await KeyBudget("/b/", max_keys=10, low_water=0.5).prune(store)
    assert deleted == 15
    left = [kv.key for kv in (await store.range("/b/")).items]
    assert left == ["/b/00", *(f"/b/{i:02}" for i in range(16, 20))]
    assert await store.get("/other/x") is not None


async def test_a_budget_not_exceeded_deletes_nothing(store: Store) -> None:
    for i in range(10):
        await store.create(f"/b/{i}", b"v")
    assert await KeyBudget("/b/", max_keys=10).prune(store) == 0
    assert len((await store.range("/b/")).items) == 10


def test_a_budget_refuses_nonsense() -> None:
    for bad in ({"max_keys": 0}, {"max_keys": 5, "low_water": 0.0}, {"max_keys": 5, "low_water": 1.5}):
        with pytest.raises(ValueError):
            KeyBudget("/b/", **bad)


async def test_more_than_max_history_revisions_are_compacted_without_waiting(sqlite_store: SqliteStore) -> None:
    upkeep = Upkeep(sqlite_store, keep_seconds=300, max_history=50, budgets=())
    for i in range(80):
        await sqlite_store.create(f"/h/{i}", b"v")
    assert await upkeep.tick(now=0.0) == 80 - 50
    assert await sqlite_store.compacted_revision() == 30


async def test_a_burst_of_50000_events_leaves_the_store_bounded_after_upkeep(tmp_path: Path) -> None:
    """50,000 Events in one go (on one lease, as the API server attaches them) with a budget
    of 2,000: after one tick at most 2,000 are left, and once compaction passes the burst
    the file is back under 4 MB (2,000 Events of 700 bytes and the log's overhead)."""
    path = tmp_path / "state.db"
    store = await SqliteStore.open(path)
    events = resolve("events").key_prefix()
    try:
        lease = await store.grant_lease(EVENT_TTL_SECONDS)
        value = b"e" * 700
        for start in range(0, 50_000, 5_000):
            await asyncio.gather(*(store.create(f"{events}default/pod-{i}.{i:x}", value, lease=lease)
                                   for i in range(start, start + 5_000)))
        burst_bytes = path.stat().st_size
        assert burst_bytes > 30_000_000
        upkeep = Upkeep(store, keep_seconds=300, budgets=(KeyBudget(events, 2_000),))
        await upkeep.tick(now=0.0)
        live = await store.range(events, limit=1)
        assert live.count <= 2_000
        assert await upkeep.tick(now=301.0) > 0  # history from before the prune is compacted
        left = (await store.range(events)).items
        assert left and all(kv.create_revision > 48_000 for kv in left)  # the newest were kept
    finally:
        await store.close()
    assert path.stat().st_size < 4_000_000, f"{path.stat().st_size} bytes after upkeep ({burst_bytes} after the burst)"


def test_events_have_a_budget_by_default(sqlite_store: SqliteStore) -> None:
    assert Upkeep(sqlite_store).budgets == (EVENTS_BUDGET,)
    assert EVENTS_BUDGET.prefix == "/registry/events/" and EVENTS_BUDGET.max_keys == MAX_EVENTS
