"""The store contract, part 3: compaction and leases (every backend)."""

from __future__ import annotations

import asyncio

import pytest

from kube.store.errors import CompactedError, KeyNotFoundError
from kube.store.protocol import Store
from tests.store.contract_waits import collect, eventually

LEASE_TTL = 2  # etcd rounds shorter TTLs up to its minimum (about 2 s)


async def _history(store: Store) -> tuple[int, int]:
    """Write some history; returns (a revision in the middle, the revision after it all)."""
    a = await store.create("/h/a", b"1")
    a = await store.update("/h/a", b"2", expected_revision=a.mod_revision)
    middle = a.mod_revision
    await store.create("/h/b", b"1")
    await store.delete("/h/b")
    a = await store.update("/h/a", b"3", expected_revision=a.mod_revision)
    return middle, a.mod_revision


async def test_range_below_the_compacted_revision_fails_with_that_revision(store: Store) -> None:
    middle, newest = await _history(store)
    await store.compact(newest)
    assert await store.compacted_revision() >= newest
    with pytest.raises(CompactedError) as caught:
        await store.range("/h/", revision=middle)
    assert caught.value.compact_revision >= newest


async def test_reads_at_and_after_the_compacted_revision_still_work(store: Store) -> None:
    middle, newest = await _history(store)
    await store.compact(middle)
    at = await store.range("/h/", revision=middle)
    assert [(kv.key, kv.value) for kv in at.items] == [("/h/a", b"2")]
    now = await store.range("/h/")
    assert [(kv.key, kv.value) for kv in now.items] == [("/h/a", b"3")]
    assert (await store.get("/h/a")).mod_revision == newest


async def test_watch_below_the_compacted_revision_fails_with_that_revision(store: Store) -> None:
    middle, newest = await _history(store)
    await store.compact(newest)
    watch = store.watch("/h/", start_revision=middle)
    try:
        with pytest.raises(CompactedError) as caught:
            await collect(watch, 1)
        assert caught.value.compact_revision >= newest
    finally:
        await watch.cancel()


async def test_watch_from_the_compacted_revision_replays_the_rest(store: Store) -> None:
    middle, newest = await _history(store)
    await store.compact(middle)
    watch = store.watch("/h/", start_revision=middle)
    try:
        events = await collect(watch, 4)
        assert [(e.type, e.kv.key) for e in events] == [
            ("PUT", "/h/a"), ("PUT", "/h/b"), ("DELETE", "/h/b"), ("PUT", "/h/a"),
        ]
        assert events[0].revision == middle and events[-1].revision == newest
        assert events[2].prev_kv is not None and events[2].prev_kv.value == b"1"
    finally:
        await watch.cancel()


async def test_compacting_again_at_an_older_revision_changes_nothing(store: Store) -> None:
    middle, newest = await _history(store)
    await store.compact(newest)
    await store.compact(middle)
    assert await store.compacted_revision() >= newest
    assert [kv.value for kv in (await store.range("/h/")).items] == [b"3"]


async def test_an_expired_lease_deletes_its_keys_with_delete_events(store: Store) -> None:
    lease = await store.grant_lease(LEASE_TTL)
    kept = await store.create("/l/kept", b"k")
    watch = store.watch("/l/")
    try:
        a = await store.create("/l/a", b"1", lease=lease)
        await store.create("/l/b", b"2", lease=lease)
        assert a.lease == lease and (await store.get("/l/a")).lease == lease

        async def gone() -> bool:
            return await store.get("/l/a") is None and await store.get("/l/b") is None

        await eventually(gone)
        events = await collect(watch, 4)
        deletes = [e for e in events if e.type == "DELETE"]
        assert sorted(e.kv.key for e in deletes) == ["/l/a", "/l/b"]
        assert all(e.prev_kv is not None and e.prev_kv.lease == lease for e in deletes)
        assert await store.get("/l/kept") == kept
        with pytest.raises(KeyNotFoundError):
            await store.keepalive_lease(lease)
    finally:
        await watch.cancel()


async def test_keepalive_keeps_a_lease_and_its_keys(store: Store) -> None:
    lease = await store.grant_lease(LEASE_TTL)
    await store.create("/l/a", b"1", lease=lease)
    loop = asyncio.get_running_loop()
    until = loop.time() + 3 * LEASE_TTL
    while loop.time() < until:
        await store.keepalive_lease(lease)
        await asyncio.sleep(LEASE_TTL / 4)
    assert await store.get("/l/a") is not None

    async def gone() -> bool:
        return await store.get("/l/a") is None

    await eventually(gone)


async def test_revoking_a_lease_deletes_its_keys_at_once(store: Store) -> None:
    lease = await store.grant_lease(60)
    await store.create("/l/a", b"1", lease=lease)
    await store.revoke_lease(lease)
    assert await store.get("/l/a") is None
    with pytest.raises(KeyNotFoundError):
        await store.keepalive_lease(lease)


async def test_a_key_moved_off_its_lease_outlives_it(store: Store) -> None:
    lease = await store.grant_lease(60)
    a = await store.create("/l/a", b"1", lease=lease)
    await store.update("/l/a", b"2", expected_revision=a.mod_revision)  # no lease now
    await store.revoke_lease(lease)
    assert (await store.get("/l/a")).value == b"2"


async def test_writing_with_an_unknown_lease_fails(store: Store) -> None:
    lease = await store.grant_lease(60)
    await store.revoke_lease(lease)
    with pytest.raises(KeyNotFoundError):
        await store.create("/l/a", b"1", lease=lease)
    assert await store.get("/l/a") is None
