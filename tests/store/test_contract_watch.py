"""The store contract, part 2: watches (every backend)."""

from __future__ import annotations

import asyncio

from kube.store.protocol import KeyValue, Store
from tests.store.contract_waits import collect, no_more_events


async def test_watch_from_now_sees_later_changes_in_order_with_prev_values(store: Store) -> None:
    watch = store.watch("/w/")
    try:
        a = await store.create("/w/a", b"1")
        b = await store.update("/w/a", b"2", expected_revision=a.mod_revision)
        await store.create("/elsewhere", b"x")
        d = await store.delete("/w/a")
        events = await collect(watch, 3)
        assert [e.type for e in events] == ["PUT", "PUT", "DELETE"]
        assert [e.kv.key for e in events] == ["/w/a"] * 3
        assert events[0].kv == a and events[1].kv == b
        assert events[1].prev_kv == a
        assert events[2].prev_kv == d == b
        assert events[2].kv.value == b""
        assert events[0].revision < events[1].revision < events[2].revision
    finally:
        await watch.cancel()


async def test_watch_from_an_old_revision_replays_history_then_goes_live(store: Store) -> None:
    first = await store.create("/w/a", b"1")
    await store.update("/w/a", b"2", expected_revision=first.mod_revision)
    await store.create("/w/b", b"1")
    watch = store.watch("/w/", start_revision=first.mod_revision)
    try:
        await store.delete("/w/b")
        events = await collect(watch, 4)
        assert [(e.type, e.kv.key) for e in events] == [
            ("PUT", "/w/a"), ("PUT", "/w/a"), ("PUT", "/w/b"), ("DELETE", "/w/b"),
        ]
        assert events[0].revision == first.mod_revision
        assert [e.revision for e in events] == sorted({e.revision for e in events})
        assert await no_more_events(watch) == []
    finally:
        await watch.cancel()


async def test_watch_sees_every_change_made_while_it_was_being_set_up_exactly_once(store: Store) -> None:
    written: list[KeyValue] = []
    stop = asyncio.Event()

    async def writer(name: str) -> None:
        i = 0
        while not stop.is_set():
            written.append(await store.create(f"/w/{name}-{i}", b"v"))
            i += 1
            await asyncio.sleep(0)

    writers = [asyncio.create_task(writer(n)) for n in "abc"]
    while len(written) < 30:
        await asyncio.sleep(0.01)
    start = await store.current_revision() + 1
    watch = store.watch("/w/", start_revision=start)
    try:
        goal = len(written) + 120
        while len(written) < goal:  # keep writing while the watch starts up
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.gather(*writers)
        expected = sorted(kv.mod_revision for kv in written if kv.mod_revision >= start)
        events = await collect(watch, len(expected))
        assert [e.revision for e in events] == expected
        assert await no_more_events(watch) == []
    finally:
        stop.set()
        await watch.cancel()


async def test_no_event_after_cancel(store: Store) -> None:
    watch = store.watch("/w/")
    await store.create("/w/a", b"1")
    assert len(await collect(watch, 1)) == 1
    await watch.cancel()
    await store.create("/w/b", b"1")
    remaining = [event async for event in watch]
    assert remaining == []


async def test_cancel_wakes_a_reader_that_waits_for_events(store: Store) -> None:
    watch = store.watch("/w/")
    reader = asyncio.create_task(collect(watch, 1))
    await asyncio.sleep(0.2)
    await watch.cancel()
    assert await asyncio.wait_for(reader, 20) == []


async def test_concurrent_watchers_each_see_their_own_prefix_completely(store: Store) -> None:
    pods, nodes, everything = store.watch("/w/pods/"), store.watch("/w/nodes/"), store.watch("/w/")
    try:
        writes = await asyncio.gather(
            *(store.create(f"/w/pods/p{i}", b"p") for i in range(20)),
            *(store.create(f"/w/nodes/n{i}", b"n") for i in range(10)),
        )
        by_revision = sorted(kv.mod_revision for kv in writes)
        pod_events, node_events, all_events = await asyncio.gather(
            collect(pods, 20), collect(nodes, 10), collect(everything, 30)
        )
        assert [e.revision for e in all_events] == by_revision
        assert {e.kv.key for e in pod_events} == {f"/w/pods/p{i}" for i in range(20)}
        assert {e.kv.key for e in node_events} == {f"/w/nodes/n{i}" for i in range(10)}
        for events in (pod_events, node_events):
            assert [e.revision for e in events] == sorted(e.revision for e in events)
    finally:
        for watch in (pods, nodes, everything):
            await watch.cancel()


async def test_a_watcher_that_does_not_read_does_not_hold_up_writers_or_other_watchers(store: Store) -> None:
    idle = store.watch("/w/")
    busy = store.watch("/w/")
    try:
        writes = [await store.create(f"/w/{i:04d}", b"v" * 100) for i in range(300)]
        assert len(await collect(busy, 300)) == 300
        events = await collect(idle, 300)  # read late: nothing lost
        assert [e.revision for e in events] == [kv.mod_revision for kv in writes]
    finally:
        await idle.cancel()
        await busy.cancel()
