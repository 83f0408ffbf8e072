"""Informers: list then watch against the real API server; relist on 410 against a scripted one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from kube.api.registry import resolve
from kube.client.backoff import Backoff
from kube.client.cache import field_index
from kube.client.informer import DeletedFinalStateUnknown, Informer, SharedInformerFactory
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from tests.client.scripted_api import Scripted, event, status, streaming

PODS = resolve("pods")


def pod(name: str, node: str | None = None, rv: str = "1") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "i"}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": name, "namespace": "default", "resourceVersion": rv}, "spec": spec}


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def add(self, obj: dict[str, Any]) -> None:
        self.events.append(("add", obj["metadata"]["name"]))

    def update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.events.append(("update", new["metadata"]["name"]))

    def delete(self, obj: dict[str, Any] | DeletedFinalStateUnknown) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("delete-unknown", obj.key))
        else:
            self.events.append(("delete", obj["metadata"]["name"]))


async def test_informer_lists_then_follows_changes_with_an_index(client: RestClient) -> None:
    await client.create(PODS, pod("a", node="n1"))
    await client.create(PODS, pod("b", node="n2"))
    informer = Informer(client, PODS, "default", indexers={"node": field_index("spec.nodeName")})
    recorder = Recorder()
    informer.add_handler(recorder.add, recorder.update, recorder.delete)
    informer.start()
    try:
        assert await informer.wait_for_sync(20)
        assert informer.has_synced() and sorted(informer.store.keys()) == ["default/a", "default/b"]
        assert sorted(recorder.events) == [("add", "a"), ("add", "b")]
        await client.create(PODS, pod("c", node="n1"))
        await client.patch(PODS, "b", {"metadata": {"labels": {"x": "y"}}})
        await client.delete(PODS, "a", grace_period_seconds=0)
        await eventually(lambda: len(recorder.events) == 5)
        assert recorder.events[2:] == [("add", "c"), ("update", "b"), ("delete", "a")]
        assert informer.store.index_keys("node", "n1") == ["default/c"]
        assert informer.store.get("default/b")["metadata"]["labels"] == {"x": "y"}
        # a handler added late hears about what is already cached
        late = Recorder()
        informer.add_handler(on_add=late.add)
        assert sorted(late.events) == [("add", "b"), ("add", "c")]
        assert informer.lists == 1
    finally:
        await informer.stop()


async def test_shared_factory_gives_one_informer_per_resource(client: RestClient) -> None:
    factory = SharedInformerFactory(client)
    first = factory.informer_for(PODS, indexers={"node": field_index("spec.nodeName")})
    second = factory.informer_for(PODS, indexers={"node": field_index("spec.nodeName")})
    assert first is second and len(factory.informers()) == 1
    nodes = factory.informer_for(resolve("nodes"))
    factory.start()
    try:
        assert await factory.wait_for_cache_sync(20)
        assert nodes.has_synced() and len(nodes.store) == 0
    finally:
        await factory.stop()


async def test_relists_on_410_and_reports_objects_deleted_meanwhile(scripted: Scripted) -> None:
    hold = asyncio.Event()
    scripted.answers += [
        lambda r: web.json_response({"metadata": {"resourceVersion": "10"}, "items": [pod("a"), pod("b")]}),
        streaming([event("MODIFIED", pod("a", rv="11")), event("ERROR", status(410, "Expired", "too old"))]),
        lambda r: web.json_response({"metadata": {"resourceVersion": "20"},
                                     "items": [pod("a", rv="11"), pod("c", rv="19")]}),
        streaming([], hold=hold),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    informer = Informer(client, PODS, "default", backoff=Backoff(base=0.01, cap=0.05))
    recorder = Recorder()
    informer.add_handler(recorder.add, recorder.update, recorder.delete)
    informer.start()
    try:
        await eventually(lambda: informer.lists == 2 and len(scripted.requests) == 4)
        assert recorder.events == [("add", "a"), ("add", "b"), ("update", "a"),
                                   ("add", "c"), ("delete-unknown", "default/b")]
        assert sorted(informer.store.keys()) == ["default/a", "default/c"]
        watches = [path for _, path, _, _ in scripted.requests if "watch=true" in path]
        assert "resourceVersion=10" in watches[0] and "resourceVersion=20" in watches[1]
    finally:
        hold.set()
        await informer.stop()
        await client.close()


async def test_reconnects_after_errors_with_back_off(scripted: Scripted) -> None:
    hold = asyncio.Event()
    scripted.answers += [
        lambda r: web.json_response(status(503, "ServiceUnavailable", "not ready"), status=503),
        lambda r: web.json_response({"metadata": {"resourceVersion": "5"}, "items": [pod("a")]}),
        streaming([event("ADDED", pod("b", rv="6"))], hold=hold),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    informer = Informer(client, PODS, "default", backoff=Backoff(base=0.01, cap=0.05))
    client.transport.retry.max_retries = 0  # let the informer's own back-off handle it
    informer.start()
    try:
        await eventually(lambda: len(informer.store) == 2)
        assert informer.resource_version == "6"
    finally:
        hold.set()
        await informer.stop()
        await client.close()


async def test_resync_replays_cached_objects_as_updates(client: RestClient) -> None:
    await client.create(PODS, pod("a"))
    informer = Informer(client, PODS, "default", resync_period=0.05)
    resyncs: list[str] = []
    informer.add_handler(on_update=lambda old, new: resyncs.append(new["metadata"]["name"]) if old is new else None)
    informer.start()
    try:
        await eventually(lambda: resyncs.count("a") >= 2)
    finally:
        await informer.stop()
