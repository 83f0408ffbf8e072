"""Watch loops across broken connections (issue 10, finding 1): a stream dropped mid-body
is resumed from the last resourceVersion and its missed events arrive exactly once; every
transport failure reaches callers as ApiConnectionError; the log says once that the link
broke and once that it is back; a loop that dies of a bug says so through failed()."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest
from aiohttp import web

from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError, ApiError, GoneError
from kube.client.informer import Informer, InformerFailed, SharedInformerFactory, run_supervised
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.client.retry_watch import Outage, RetryWatch
from tests.client.scripted_api import Scripted, dropped, event, status, streaming
from tests.client.test_informer import PODS, Recorder, eventually, pod

FAST = dict(backoff=Backoff(base=0.01, cap=0.05))


def listing(rv: str, *items: dict[str, Any]) -> Any:
    return lambda r: web.json_response({"metadata": {"resourceVersion": rv}, "items": list(items)})


def watch_paths(scripted: Scripted) -> list[str]:
    return [path for _, path, _, _ in scripted.requests if "watch=true" in path]


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and r.name.startswith("kube.client")]


async def test_informer_resumes_a_watch_dropped_mid_body_and_delivers_the_missed_events_once(
        scripted: Scripted, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="kube.client")
    hold = asyncio.Event()
    scripted.answers += [
        listing("10", pod("a", rv="10")),
        # two whole events, then half of a third, then the server dies (a SIGKILLed API server)
        dropped([event("ADDED", pod("b", rv="11")), event("MODIFIED", pod("a", rv="12"))],
                tail=event("ADDED", pod("lost", rv="13"))[:20]),
        # the restarted server replays from resourceVersion 12: the event that was cut, and a new one
        streaming([event("ADDED", pod("lost", rv="13")), event("DELETED", pod("b", rv="14"))], hold=hold),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    informer = Informer(client, PODS, "default", **FAST)
    recorder = Recorder()
    informer.add_handler(recorder.add, recorder.update, recorder.delete)
    informer.start()
    try:
        await eventually(lambda: len(recorder.events) == 5)
        await asyncio.sleep(0.1)  # nothing more may arrive
        assert recorder.events == [("add", "a"), ("add", "b"), ("update", "a"), ("add", "lost"), ("delete", "b")]
        assert informer.lists == 1 and informer.reconnects == 1  # resumed, not relisted
        assert "resourceVersion=10" in watch_paths(scripted)[0]
        assert "resourceVersion=12" in watch_paths(scripted)[1]
        assert sorted(informer.store.keys()) == ["default/a", "default/lost"]
        assert informer.resource_version == "14"
        warnings, infos = records(caplog, logging.WARNING), records(caplog, logging.INFO)
        assert len(warnings) == 1 and "lost the connection" in warnings[0] and "ClientPayloadError" in warnings[0]
        assert len([m for m in infos if "restored" in m]) == 1
        assert informer.failure is None
    finally:
        hold.set()
        await informer.stop()
        await client.close()


async def test_many_failed_retries_log_one_warning_and_one_info(scripted: Scripted,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kube.client")
    hold = asyncio.Event()
    unavailable = lambda r: web.json_response(status(503, "ServiceUnavailable", "starting"), status=503)  # noqa: E731
    scripted.answers += [
        listing("5", pod("a", rv="5")),
        dropped([]),  # the server goes away ...
        unavailable, unavailable, unavailable,  # ... comes back not ready yet ...
        dropped([], tail=b'{"type":"MOD'),  # ... and drops once more
        streaming([event("ADDED", pod("b", rv="6"))], hold=hold),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    client.transport.retry.max_retries = 0
    informer = Informer(client, PODS, "default", **FAST)
    informer.start()
    try:
        await eventually(lambda: len(informer.store) == 2)
        assert informer.lists == 1 and informer.reconnects == 5
        assert all("resourceVersion=5" in p for p in watch_paths(scripted))
        assert len(records(caplog, logging.WARNING)) == 1
        assert len([m for m in records(caplog, logging.INFO) if "restored" in m]) == 1
        assert "after" in next(m for m in records(caplog, logging.INFO) if "restored" in m)
        assert len(records(caplog, logging.DEBUG)) >= 4  # the retries are there, one level down
        assert informer.outage.outages == 1 and not informer.outage.down
    finally:
        hold.set()
        await informer.stop()
        await client.close()


async def test_a_list_cut_short_is_listed_again(scripted: Scripted) -> None:
    hold = asyncio.Event()
    scripted.answers += [
        dropped([b'{"metadata":{"resourceVersion":"3"},"items":[{"metadata":']),
        listing("4", pod("a", rv="4")),
        streaming([], hold=hold),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    client.transport.retry.max_retries = 0  # the informer's own loop, not the transport's retry
    informer = Informer(client, PODS, "default", **FAST)
    informer.start()
    try:
        assert await informer.wait_for_sync(10)
        assert informer.store.keys() == ["default/a"] and informer.outage.outages == 1
        await eventually(lambda: len(watch_paths(scripted)) == 1)
        assert "resourceVersion=4" in watch_paths(scripted)[0]
    finally:
        hold.set()
        await informer.stop()
        await client.close()


async def test_gone_relists_and_a_lasting_status_relists_after_back_off(scripted: Scripted) -> None:
    hold = asyncio.Event()
    scripted.answers += [
        listing("10", pod("a", rv="10")),
        streaming([event("ERROR", status(410, "Expired", "too old"))]),
        listing("20", pod("a", rv="20")),
        lambda r: web.json_response(status(403, "Forbidden", "no"), status=403),
        listing("30", pod("a", rv="30")),
        streaming([], hold=hold),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    informer = Informer(client, PODS, "default", **FAST)
    informer.start()
    try:
        await eventually(lambda: informer.lists == 3 and len(scripted.requests) == 6)
        assert [p.split("resourceVersion=")[1][:2] for p in watch_paths(scripted)] == ["10", "20", "30"]
    finally:
        hold.set()
        await informer.stop()
        await client.close()


async def test_a_bug_in_the_loop_fails_the_informer_and_its_factory(scripted: Scripted) -> None:
    scripted.answers += [listing("1", pod("a", rv="1")), streaming([event("ADDED", pod("boom", rv="2"))])]

    def index(obj: dict[str, Any]) -> list[str]:
        if obj["metadata"]["name"] == "boom":
            raise KeyError("an index function with a bug")
        return []

    client = RestClient(ClientConfig(servers=[scripted.url]))
    factory = SharedInformerFactory(client)
    informer = factory.informer_for(PODS, indexers={"buggy": index})
    factory.start()
    try:
        with pytest.raises(InformerFailed, match="the pods informer stopped: KeyError"):
            await asyncio.wait_for(factory.failed(), 10)
        with pytest.raises(InformerFailed):
            await asyncio.wait_for(informer.failed(), 1)
        assert isinstance(informer.failure.__cause__, KeyError)  # type: ignore[union-attr]
    finally:
        await factory.stop()
        await client.close()


async def test_run_supervised_ends_the_work_when_an_informer_dies(scripted: Scripted) -> None:
    scripted.answers += [listing("1", pod("a", rv="1")), streaming([event("ADDED", pod("boom", rv="2"))])]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    factory = SharedInformerFactory(client)
    factory.informer_for(PODS, indexers={"buggy": lambda o: [o["metadata"]["labels"]["missing"]]
                                         if o["metadata"]["name"] == "boom" else []})
    cancelled = asyncio.Event()

    async def main_loop() -> None:  # a component's work, which would go on forever
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    factory.start()
    try:
        with pytest.raises(InformerFailed, match="KeyError"):
            await asyncio.wait_for(run_supervised(main_loop(), factory), 10)
        assert cancelled.is_set()

        async def finishes() -> str:
            return "done"

        assert await run_supervised(finishes(), Informer(client, PODS)) == "done"
    finally:
        await factory.stop()
        await client.close()


async def test_wait_for_sync_raises_when_the_loop_died_before_syncing(scripted: Scripted) -> None:
    scripted.answers += [listing("1", pod("boom", rv="1"))]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    informer = Informer(client, PODS, "default", indexers={"buggy": lambda o: [o["no such field"]]})
    informer.start()
    try:
        with pytest.raises(InformerFailed):
            await informer.wait_for_sync(10)
    finally:
        await informer.stop()
        await client.close()


async def test_every_transport_failure_is_an_api_connection_error(scripted: Scripted) -> None:
    client = RestClient(ClientConfig(servers=[scripted.url]))
    client.transport.retry.max_retries = 1
    client.transport.retry.backoff_base = 0.01
    try:
        # a GET whose body is cut short is sent again (idempotent) ...
        scripted.answers += [dropped([b'{"items": [']), lambda r: web.json_response({"items": []})]
        assert await client.request("GET", "/api/v1/pods") == {"items": []}
        assert len(scripted.requests) == 2
        # ... a POST is not (it may have been acted on), and the error says what happened
        scripted.answers += [dropped([b'{"kind":'])]
        with pytest.raises(ApiConnectionError) as caught:
            await client.request("POST", "/api/v1/namespaces/default/pods", body={})
        assert caught.value.broken and "lost the connection" in str(caught.value)
        assert "ClientPayloadError" in str(caught.value) and len(scripted.requests) == 3
        # a watch cut short inside an event, even with a clean end of the body
        scripted.answers += [streaming([event("ADDED", pod("a", rv="2")), b'{"type":"ADDED","obj'])]
        seen = []
        with pytest.raises(ApiConnectionError, match="ended inside an event"):
            async with client.watch(PODS, "default", resource_version="1") as stream:
                async for event_type, obj in stream:
                    seen.append((event_type, obj["metadata"]["name"]))
        assert seen == [("ADDED", "a")]
    finally:
        await client.close()


async def test_unreachable_servers_are_not_broken_connections() -> None:
    from tests.conftest import free_port

    client = RestClient(ClientConfig(servers=[f"http://127.0.0.1:{free_port()}"]))
    try:
        with pytest.raises(ApiConnectionError) as caught:
            await client.request("GET", "/api")
        assert not caught.value.broken and "cannot connect" in str(caught.value)
    finally:
        await client.close()


async def test_retry_watch_tracks_bookmarks_and_ends_on_gone_and_other_statuses(scripted: Scripted) -> None:
    scripted.answers += [
        streaming([event("BOOKMARK", {"metadata": {"resourceVersion": "7"}})]),  # ends cleanly: watch again
        dropped([event("ADDED", pod("a", rv="8"))]),
        streaming([event("ERROR", status(410, "Expired", "too old"))]),
        lambda r: web.json_response(status(403, "Forbidden", "no"), status=403),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    watch = RetryWatch(lambda rv: client.watch(PODS, "default", resource_version=rv), "5",
                       outage=Outage("test"), **FAST)
    got: list[tuple[str, str]] = []
    try:
        with pytest.raises(GoneError):
            async with contextlib.aclosing(watch.events()) as events:
                async for event_type, obj in events:
                    got.append((event_type, obj["metadata"]["resourceVersion"]))
        assert got == [("BOOKMARK", "7"), ("ADDED", "8")] and watch.resource_version == "8"
        assert [p.split("resourceVersion=")[1][:1] for p in watch_paths(scripted)] == ["5", "7", "8"]
        with pytest.raises(ApiError) as caught:
            async with contextlib.aclosing(watch.events()) as events:
                async for _ in events:
                    pass
        assert caught.value.code == 403
    finally:
        await client.close()


async def test_a_resource_version_the_server_never_reaches_ends_in_a_relist(scripted: Scripted) -> None:
    hold = asyncio.Event()
    too_large = status(504, "Timeout", "Too large resource version: 10, current: 3")
    too_large["details"] = {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}]}
    scripted.answers += [
        listing("10", pod("a", rv="10")),
        *[lambda r: web.json_response(too_large, status=504) for _ in range(4)],  # the store lost its history
        listing("3", pod("b", rv="3")),
        streaming([], hold=hold),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    client.transport.retry.max_retries = 0
    informer = Informer(client, PODS, "default", **FAST)
    informer.start()
    try:
        await eventually(lambda: informer.lists == 2 and len(watch_paths(scripted)) == 5)
        assert informer.store.keys() == ["default/b"]
        assert "resourceVersion=3" in watch_paths(scripted)[-1]
    finally:
        hold.set()
        await informer.stop()
        await client.close()
