"""The store contract, part 4: many writers at once (every backend)."""

from __future__ import annotations

import asyncio

from kube.store.errors import KeyExistsError, RevisionMismatchError
from kube.store.protocol import KeyValue, Store
from tests.store.contract_waits import collect


async def test_concurrent_creates_of_one_key_have_exactly_one_winner(store: Store) -> None:
    outcomes = await asyncio.gather(
        *(store.create("/c/contested", str(i).encode()) for i in range(25)), return_exceptions=True
    )
    winners = [o for o in outcomes if isinstance(o, KeyValue)]
    assert len(winners) == 1
    assert all(isinstance(o, KeyExistsError) for o in outcomes if not isinstance(o, KeyValue))
    assert await store.get("/c/contested") == winners[0]


async def test_concurrent_updates_from_one_revision_have_exactly_one_winner(store: Store) -> None:
    base = await store.create("/c/k", b"base")
    outcomes = await asyncio.gather(
        *(store.update("/c/k", str(i).encode(), expected_revision=base.mod_revision) for i in range(25)),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if isinstance(o, KeyValue)]
    assert len(winners) == 1
    assert all(isinstance(o, RevisionMismatchError) for o in outcomes if not isinstance(o, KeyValue))
    assert await store.get("/c/k") == winners[0]


async def test_revisions_strictly_increase_across_concurrent_writers(store: Store) -> None:
    watch = store.watch("/c/")

    async def writer(name: str) -> list[int]:
        kv = await store.create(f"/c/{name}", b"0")
        revisions = [kv.mod_revision]
        for i in range(1, 8):
            kv = await store.update(f"/c/{name}", str(i).encode(), expected_revision=kv.mod_revision)
            revisions.append(kv.mod_revision)
        return revisions

    try:
        per_writer = await asyncio.gather(*(writer(f"w{i}") for i in range(20)))
        for revisions in per_writer:
            assert revisions == sorted(set(revisions))
        every = [r for revisions in per_writer for r in revisions]
        assert len(set(every)) == len(every) == 160
        events = await collect(watch, 160)
        assert [e.revision for e in events] == sorted(every)
    finally:
        await watch.cancel()


async def test_compare_and_swap_counter_loses_no_increment(store: Store) -> None:
    await store.create("/c/counter", b"0")

    async def increment() -> None:
        while True:
            current = await store.get("/c/counter")
            try:
                await store.update(
                    "/c/counter", str(int(current.value) + 1).encode(), expected_revision=current.mod_revision
                )
                return
            except RevisionMismatchError:
                continue

    await asyncio.gather(*(increment() for _ in range(15)))
    assert (await store.get("/c/counter")).value == b"15"
