"""REST client behaviour against a small scripted HTTP server on loopback:
failover, retries with Retry-After, Status errors, watch streams."""

from __future__ import annotations

import orjson
import pytest
from aiohttp import web

from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError, GoneError
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.client.transport import RetryPolicy
from tests.client.scripted_api import Scripted, event, status, streaming
from tests.conftest import free_port

PODS = resolve("pods")


def make_client(*servers: str, token: str | None = "t0k", retries: int = 3) -> RestClient:
    config = ClientConfig(servers=list(servers), token=token, namespace="team")
    return RestClient(config, retry=RetryPolicy(max_retries=retries, backoff_base=0.001, backoff_cap=0.01))


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


async def test_fails_over_to_the_next_server_and_sends_the_token(scripted: Scripted) -> None:
    scripted.answers.append(lambda r: web.json_response({"metadata": {"name": "p"}}))
    async with make_client(dead_url(), scripted.url) as client:
        pod = await client.get(PODS, "p")
        assert pod["metadata"]["name"] == "p"
        assert client.transport.server == scripted.url  # sticks to the one that answered
    method, path, headers, _ = scripted.requests[0]
    assert (method, path) == ("GET", "/api/v1/namespaces/team/pods/p")
    assert headers["Authorization"] == "Bearer t0k"


async def test_no_server_reachable_names_every_url() -> None:
    urls = [dead_url(), dead_url()]
    async with make_client(*urls) as client:
        with pytest.raises(ApiConnectionError) as info:
            await client.get(PODS, "p")
    assert all(u in str(info.value) for u in urls)


async def test_429_is_retried_after_retry_after_even_for_create(scripted: Scripted) -> None:
    def busy(_: web.Request) -> web.Response:
        return web.json_response(status(429, "TooManyRequests", "slow down"), status=429,
                                 headers={"Retry-After": "0"})

    scripted.answers += [busy, busy, lambda r: web.json_response({"metadata": {"name": "p"}}, status=201)]
    async with make_client(scripted.url) as client:
        created = await client.create(PODS, {"metadata": {"name": "p"}})
    assert created["metadata"]["name"] == "p" and len(scripted.requests) == 3
    body = orjson.loads(scripted.requests[0][3])
    assert body["kind"] == "Pod" and body["apiVersion"] == "v1"  # filled in


async def test_5xx_is_retried_for_get_but_not_for_post(scripted: Scripted) -> None:
    def unavailable(_: web.Request) -> web.Response:
        return web.json_response(status(503, "ServiceUnavailable", "later"), status=503)

    scripted.answers += [unavailable, lambda r: web.json_response({"items": []})]
    async with make_client(scripted.url) as client:
        assert await client.list(PODS) == {"items": []}
        scripted.answers += [unavailable]
        with pytest.raises(ApiError) as info:
            await client.create(PODS, {"metadata": {"name": "p"}})
    assert info.value.code == 503 and len(scripted.requests) == 3


async def test_retries_are_bounded(scripted: Scripted) -> None:
    scripted.answers += [lambda r: web.json_response(status(500, "InternalError", "boom"), status=500)] * 10
    async with make_client(scripted.url, retries=2) as client:
        with pytest.raises(ApiError, match="boom"):
            await client.get(PODS, "p")
    assert len(scripted.requests) == 3


async def test_status_error_carries_code_reason_message(scripted: Scripted) -> None:
    scripted.answers.append(lambda r: web.json_response(status(404, "NotFound", 'pods "p" not found'), status=404))
    async with make_client(scripted.url) as client:
        with pytest.raises(ApiError) as info:
            await client.get(PODS, "p")
    assert (info.value.code, info.value.reason, info.value.message) == (404, "NotFound", 'pods "p" not found')


async def test_non_status_error_body_still_gives_a_message(scripted: Scripted) -> None:
    scripted.answers.append(lambda r: web.Response(text="plain failure", status=403))
    async with make_client(scripted.url) as client:
        with pytest.raises(ApiError) as info:
            await client.get(PODS, "p")
    assert info.value.code == 403 and info.value.reason == "Forbidden" and "plain failure" in info.value.message


async def test_list_all_follows_continue_tokens(scripted: Scripted) -> None:
    scripted.answers += [
        lambda r: web.json_response({"metadata": {"resourceVersion": "7", "continue": "c1"},
                                     "items": [{"metadata": {"name": "a"}}]}),
        lambda r: web.json_response({"metadata": {"resourceVersion": "9"}, "items": [{"metadata": {"name": "b"}}]}),
    ]
    async with make_client(scripted.url) as client:
        result = await client.list_all(PODS, label_selector="app=web", page_size=1)
    assert [i["metadata"]["name"] for i in result["items"]] == ["a", "b"]
    assert result["metadata"] == {"resourceVersion": "7"}
    assert "continue=c1" in scripted.requests[1][1] and "labelSelector=app%3Dweb" in scripted.requests[1][1]


async def test_list_all_reads_the_whole_list_in_one_request_when_its_pages_snapshot_expires(
        scripted: Scripted) -> None:
    """client-go's FullListIfExpired: a store compacting faster than the pages are read would
    fail every paged retry (the scheduler's pod informer never synced again at 150,000 pods)."""
    def expired(_: web.Request) -> web.Response:
        return web.json_response(status(410, "Expired", "The provided continue parameter is too old"), status=410)

    scripted.answers += [
        lambda r: web.json_response({"metadata": {"resourceVersion": "7", "continue": "c1"},
                                     "items": [{"metadata": {"name": "a"}}]}),
        expired,
        lambda r: web.json_response({"metadata": {"resourceVersion": "12"},
                                     "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]}),
    ]
    async with make_client(scripted.url) as client:
        result = await client.list_all(PODS, label_selector="app=web", page_size=1)
    assert [i["metadata"]["name"] for i in result["items"]] == ["a", "b"]
    assert result["metadata"]["resourceVersion"] == "12"  # the whole list's own snapshot, not the first page's
    third = scripted.requests[2][1]
    assert "limit=" not in third and "continue=" not in third and "labelSelector=app%3Dweb" in third


async def test_list_all_raises_a_410_on_its_first_page(scripted: Scripted) -> None:
    scripted.answers.append(lambda r: web.json_response(status(410, "Gone", "too old resource version"), status=410))
    async with make_client(scripted.url) as client:
        with pytest.raises(GoneError):
            await client.list_all(PODS, page_size=1)
    assert len(scripted.requests) == 1


async def test_patch_delete_send_kubernetes_content_types_and_options(scripted: Scripted) -> None:
    async with make_client(scripted.url) as client:
        await client.patch(PODS, "p", {"metadata": {"labels": {"a": "b"}}}, patch_type="strategic")
        await client.patch(PODS, "p", {"kind": "Pod"}, patch_type="apply", field_manager="me", force=True)
        await client.delete(PODS, "p", propagation_policy="Foreground", grace_period_seconds=0)
        with pytest.raises(ValueError):
            await client.patch(PODS, "p", {}, patch_type="bogus")
    (_, _, h1, _), (_, p2, h2, _), (m3, _, _, b3) = scripted.requests
    assert h1["Content-Type"] == "application/strategic-merge-patch+json"
    assert h2["Content-Type"] == "application/apply-patch+yaml" and "fieldManager=me" in p2 and "force=true" in p2
    assert m3 == "DELETE" and orjson.loads(b3)["propagationPolicy"] == "Foreground"
    assert orjson.loads(b3)["gracePeriodSeconds"] == 0


async def test_watch_yields_events_split_across_chunks(scripted: Scripted) -> None:
    big = {"metadata": {"name": "big", "resourceVersion": "3"}, "data": {"x": "y" * 200_000}}
    scripted.answers.append(streaming([event("ADDED", {"metadata": {"name": "a"}}), event("MODIFIED", big),
                                       event("BOOKMARK", {"metadata": {"resourceVersion": "4"}})], chunk=4096))
    async with make_client(scripted.url) as client:
        async with client.watch(PODS, "team", resource_version="2", timeout_seconds=5) as stream:
            got = [(t, o["metadata"].get("name")) async for t, o in stream]
    assert got == [("ADDED", "a"), ("MODIFIED", "big"), ("BOOKMARK", None)]
    path = scripted.requests[0][1]
    assert "watch=true" in path and "resourceVersion=2" in path and "allowWatchBookmarks=true" in path


async def test_watch_error_410_raises_gone(scripted: Scripted) -> None:
    scripted.answers.append(streaming([event("ERROR", status(410, "Expired", "too old resource version"))]))
    async with make_client(scripted.url) as client:
        with pytest.raises(GoneError):
            async for _ in client.watch(PODS, resource_version="1"):
                pass


async def test_watch_refused_with_410_status_raises_gone(scripted: Scripted) -> None:
    scripted.answers.append(lambda r: web.json_response(status(410, "Expired", "gone"), status=410))
    async with make_client(scripted.url) as client:
        with pytest.raises(GoneError):
            async for _ in client.watch(PODS, resource_version="1"):
                pass
