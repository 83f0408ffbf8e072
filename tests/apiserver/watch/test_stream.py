"""Watch: order, resume, initial events, bookmarks, selectors, 410, Table events."""

from __future__ import annotations

import asyncio

from tests.apiserver.conftest import Api, pod

PODS = "/api/v1/namespaces/default/pods"


async def _rv(api: Api) -> str:
    _, body = await api.get(PODS)
    return body["metadata"]["resourceVersion"]


async def test_events_arrive_in_order_from_a_resource_version(api: Api) -> None:
    rv = await _rv(api)
    watching = asyncio.create_task(api.watch(f"{PODS}?watch=true&resourceVersion={rv}", until=3))
    await asyncio.sleep(0.1)
    await api.post(PODS, pod("w1"))
    await api.patch(f"{PODS}/w1", {"metadata": {"labels": {"x": "1"}}})
    await api.delete(f"{PODS}/w1")
    events = await watching
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    revs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert revs == sorted(revs) and revs[0] > int(rv)


async def test_resume_replays_what_happened_after_the_version(api: Api) -> None:
    rv = await _rv(api)
    for i in range(3):
        await api.post(PODS, pod(f"r{i}"))
    events = await api.watch(f"{PODS}?watch=true&resourceVersion={rv}", until=3)
    assert [e["object"]["metadata"]["name"] for e in events] == ["r0", "r1", "r2"]


async def test_watch_without_version_starts_with_current_objects(api: Api) -> None:
    await api.post(PODS, pod("existing"))
    events = await api.watch(f"{PODS}?watch=true&resourceVersion=0", until=1)
    assert events[0]["type"] == "ADDED" and events[0]["object"]["metadata"]["name"] == "existing"


async def test_send_initial_events_ends_with_annotated_bookmark(api: Api) -> None:
    await api.post(PODS, pod("a"))
    await api.post(PODS, pod("b"))
    events = await api.watch(f"{PODS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                             "&allowWatchBookmarks=true", until=3)
    assert [e["type"] for e in events] == ["ADDED", "ADDED", "BOOKMARK"]
    assert events[2]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_send_initial_events_without_bookmarks_is_rejected(api: Api) -> None:
    status, body = await api.get(f"{PODS}?watch=true&sendInitialEvents=true")
    assert 400 <= status < 500 and body["kind"] == "Status"


async def test_bookmarks_are_sent_when_idle(api: Api) -> None:
    rv = await _rv(api)
    events = await api.watch(f"{PODS}?watch=true&resourceVersion={rv}&allowWatchBookmarks=true", until=1)
    assert events[0]["type"] == "BOOKMARK" and int(events[0]["object"]["metadata"]["resourceVersion"]) >= int(rv)


async def test_timeout_ends_the_stream(api: Api) -> None:
    rv = await _rv(api)
    events = await api.watch(f"{PODS}?watch=true&resourceVersion={rv}&timeoutSeconds=1", until=100)
    assert events == []


async def test_selector_watch_sees_objects_enter_and_leave(api: Api) -> None:
    await api.post(PODS, pod("s", {"app": "other"}))
    rv = await _rv(api)
    watching = asyncio.create_task(api.watch(f"{PODS}?watch=true&resourceVersion={rv}&labelSelector=app%3Dweb",
                                             until=2))
    await asyncio.sleep(0.1)
    await api.patch(f"{PODS}/s", {"metadata": {"labels": {"app": "web"}}})
    await api.patch(f"{PODS}/s", {"metadata": {"labels": {"app": "gone"}}})
    events = await watching
    assert [e["type"] for e in events] == ["ADDED", "DELETED"]


async def test_named_field_selector_watch(api: Api) -> None:
    rv = await _rv(api)
    watching = asyncio.create_task(api.watch(f"{PODS}?watch=true&resourceVersion={rv}"
                                             "&fieldSelector=metadata.name%3Dtarget", until=1))
    await asyncio.sleep(0.1)
    await api.post(PODS, pod("noise"))
    await api.post(PODS, pod("target"))
    events = await watching
    assert events[0]["object"]["metadata"]["name"] == "target"


async def test_resume_across_restart_and_410_below_compaction(api: Api) -> None:
    """After a restart the cache holds no history: resuming replays from the store (losing
    nothing), and a version below the store's compaction gets an ERROR event with 410 Expired."""
    await api.post(PODS, pod("before"))
    rv = await _rv(api)
    await api.post(PODS, pod("after1"))
    await api.post(PODS, pod("after2"))
    server = api.server
    store_rev = await server.state.store.current_revision()  # type: ignore[union-attr]
    await server.state.store.compact(int(rv))  # type: ignore[union-attr]
    await server.stop()
    await server.start()
    assert await server.state.store.current_revision() >= store_rev  # type: ignore[union-attr]
    events = await api.watch(f"{PODS}?watch=true&resourceVersion={rv}", until=2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "after1"),
                                                                            ("ADDED", "after2")]
    events = await api.watch(f"{PODS}?watch=true&resourceVersion=1", until=1)
    assert events[0]["type"] == "ERROR"
    assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"


async def test_table_watch_events_are_one_row_tables(api: Api) -> None:
    rv = await _rv(api)
    accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
    path = f"{PODS}?watch=true&resourceVersion={rv}"

    async def read_one() -> dict:
        async with api.session.get(path, headers=accept) as resp:
            async for line in resp.content:
                if line.strip():
                    import orjson

                    return orjson.loads(line)
        return {}

    task = asyncio.create_task(read_one())
    await asyncio.sleep(0.1)
    await api.post(PODS, pod("t"))
    event = await asyncio.wait_for(task, 10)
    assert event["object"]["kind"] == "Table" and len(event["object"]["rows"]) == 1
    assert event["object"]["rows"][0]["cells"][0] == "t"


async def test_watch_on_one_named_object(api: Api) -> None:
    rv = await _rv(api)
    watching = asyncio.create_task(api.watch(f"{PODS}/only?watch=true&resourceVersion={rv}", until=1))
    await asyncio.sleep(0.1)
    await api.post(PODS, pod("other"))
    await api.post(PODS, pod("only"))
    events = await watching
    assert events[0]["object"]["metadata"]["name"] == "only"
