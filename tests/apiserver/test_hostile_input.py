"""Hostile input through the API server: bounded integers, YAML bombs, deep nesting, unknown
fields under each fieldValidation, resourceVersion edge cases, connections that never finish a
request. Each answer is Kubernetes' 4xx/504 Status; nothing is stored by a refused request and
the server keeps answering."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube.api.depth import MAX_DEPTH
from kube.apiserver.config import ServerConfig
from kube.apiserver.server import APIServer
from tests.api.yaml_bombs import billion_laughs, ten_thousand
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, client_session, deployment, server_config

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


async def _revision(api: Api) -> int:
    return await api.server.state.store.current_revision()  # type: ignore[union-attr]


def _nested(levels: int) -> str:
    """JSON text nested `levels` objects deep (json.dumps itself gives up near 1,000)."""
    return '{"a":' * levels + '"x"' + "}" * levels


def _with(obj: Any, key: str, raw_json: str) -> bytes:
    """`obj` as JSON with `key` set to the given JSON text."""
    text = json.dumps(obj)
    return (text[:-1] + f', "{key}": {raw_json}}}').encode()


def _config_map(name: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}, **extra}


# --- integer bounds -------------------------------------------------------------------------


@pytest.mark.parametrize("replicas", [2**31, 10**26])
async def test_replicas_past_int32_is_422_with_the_field_and_not_stored(api: Api, replicas: int) -> None:
    before = await _revision(api)
    body = json.dumps(deployment("big")).replace('"replicas": 1', f'"replicas": {replicas}')
    status, answer = await api.post(DEPLOYMENTS, body.encode())
    assert status == 422 and answer["reason"] == "Invalid", answer
    assert [c["field"] for c in answer["details"]["causes"]] == ["spec.replicas"]
    assert await _revision(api) == before
    assert (await api.get(f"{DEPLOYMENTS}/big"))[0] == 404


async def test_a_patch_or_a_scale_past_int32_is_422_and_changes_nothing(api: Api) -> None:
    assert (await api.post(DEPLOYMENTS, deployment("web")))[0] == 201
    before = await _revision(api)
    status, answer = await api.patch(f"{DEPLOYMENTS}/web", {"spec": {"replicas": 2147483648}})
    assert status == 422 and answer["details"]["causes"][0]["field"] == "spec.replicas", answer
    status, answer = await api.patch(f"{DEPLOYMENTS}/web/scale", {"spec": {"replicas": 2**40}})
    assert status == 422, answer
    assert await _revision(api) == before
    assert (await api.get(f"{DEPLOYMENTS}/web"))[1]["spec"]["replicas"] == 1


# --- YAML -----------------------------------------------------------------------------------


async def test_billion_laughs_is_400_at_once_while_healthz_answers(api: Api) -> None:
    body = billion_laughs().encode()
    before = await _revision(api)
    started = time.perf_counter()
    bomb = asyncio.create_task(api.post(CONFIGMAPS, body, content_type="application/yaml"))
    health = asyncio.create_task(api.get("/healthz"))
    (status, answer), (health_status, _) = await asyncio.gather(bomb, health)
    elapsed = time.perf_counter() - started
    assert status == 400 and answer["reason"] == "BadRequest" and "excessive aliasing" in answer["message"]
    assert health_status == 200
    assert elapsed < 0.5  # the decoder itself refuses in well under a millisecond (see tests/api)
    assert await _revision(api) == before


async def test_ten_thousand_elements_from_aliases_are_refused(api: Api) -> None:
    status, answer = await api.post(CONFIGMAPS, ten_thousand().encode(), content_type="application/yaml")
    assert status == 400 and "excessive aliasing" in answer["message"], answer
    assert (await api.get(f"{CONFIGMAPS}/laughs"))[0] == 404
    status, answer = await api.patch(f"{CONFIGMAPS}/laughs?fieldManager=me", ten_thousand().encode(),
                                     content_type="application/apply-patch+yaml")
    assert status == 400 and "excessive aliasing" in answer["message"], answer


async def test_yaml_aliases_within_the_budget_are_fine(api: Api) -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: anchors, labels: &l {app: web}, "
            "annotations: *l}\ndata: {k: v}\n")
    status, answer = await api.post(CONFIGMAPS, text.encode(), content_type="application/yaml")
    assert status == 201, answer
    assert answer["metadata"]["annotations"] == {"app": "web"}


# --- depth ----------------------------------------------------------------------------------


async def test_json_nested_past_the_limit_is_400_for_every_verb(api: Api) -> None:
    assert (await api.post(CONFIGMAPS, _config_map("deep")))[0] == 201
    before = await _revision(api)
    for levels in (MAX_DEPTH, 260, 1_000):  # the object itself adds a level: MAX_DEPTH is one too many
        status, answer = await api.post(CONFIGMAPS, _with(_config_map("deep2"), "extra", _nested(levels)))
        assert status == 400 and "nested more than 100 levels" in answer["message"], (levels, answer)
        status, answer = await api.put(f"{CONFIGMAPS}/deep", _with(_config_map("deep"), "extra", _nested(levels)))
        assert status == 400, answer
        for content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json",
                             "application/apply-patch+yaml"):  # JSON is YAML
            patch = _with({"apiVersion": "v1", "kind": "ConfigMap"}, "data", _nested(levels))
            status, answer = await api.patch(f"{CONFIGMAPS}/deep?fieldManager=t", patch, content_type=content_type)
            assert status == 400 and "nested" in answer["message"], (content_type, answer)
        ops = f'[{{"op": "add", "path": "/x", "value": {_nested(levels)}}}]'.encode()
        status, answer = await api.patch(f"{CONFIGMAPS}/deep", ops, content_type="application/json-patch+json")
        assert status == 400, answer
    assert await _revision(api) == before
    assert (await api.get("/healthz"))[0] == 200


async def test_json_patch_copies_that_double_the_object_are_refused(api: Api) -> None:
    assert (await api.post(CONFIGMAPS, _config_map("grow")))[0] == 201
    before = await _revision(api)
    ops = [{"op": "copy", "from": "", "path": f"/x{i}"} for i in range(60)]  # 2**60 nodes if allowed
    status, answer = await api.patch(f"{CONFIGMAPS}/grow", ops, content_type="application/json-patch+json")
    assert status == 422 and "copies more than" in answer["message"], answer
    assert await _revision(api) == before


# --- resourceVersion ------------------------------------------------------------------------


async def test_exact_list_at_a_future_resource_version_is_504_too_large(api: Api) -> None:
    current = await _revision(api)
    started = time.perf_counter()
    status, answer = await api.get(f"{CONFIGMAPS}?resourceVersion={current + 1000}&resourceVersionMatch=Exact")
    assert status == 504 and answer["reason"] == "Timeout", answer
    assert answer["message"].startswith(f"Too large resource version: {current + 1000}, current: ")
    assert answer["details"]["causes"] == [{"reason": "ResourceVersionTooLarge",
                                            "message": "Too large resource version"}]
    assert time.perf_counter() - started >= 1.0  # it waited for the revision first, as Kubernetes does


async def test_exact_list_at_a_compacted_resource_version_is_410(api: Api) -> None:
    assert (await api.post(CONFIGMAPS, _config_map("old")))[0] == 201
    old = await _revision(api)
    assert (await api.post(CONFIGMAPS, _config_map("new")))[0] == 201
    await api.server.state.store.compact(await _revision(api))  # type: ignore[union-attr]
    status, answer = await api.get(f"{CONFIGMAPS}?resourceVersion={old}&resourceVersionMatch=Exact")
    assert status == 410 and answer["reason"] in ("Expired", "Gone"), answer


# --- unknown fields -------------------------------------------------------------------------


async def test_unknown_fields_are_pruned_with_a_warning_by_default(api: Api) -> None:
    body = _config_map("warned", evil={"payload": 1})
    body["metadata"]["bogus"] = True
    async with api.session.post(CONFIGMAPS, json=body) as resp:
        assert resp.status == 201
        created = await resp.json()
        warnings = resp.headers.getall("Warning", [])
    assert "evil" not in created and "bogus" not in created["metadata"]
    assert warnings == ['299 - "unknown field \\"evil\\""', '299 - "unknown field \\"metadata.bogus\\""']
    assert "evil" not in (await api.get(f"{CONFIGMAPS}/warned"))[1]


async def test_strict_refuses_with_the_field_path_and_stores_nothing(api: Api) -> None:
    before = await _revision(api)
    body = deployment("strict")
    body["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    status, answer = await api.post(f"{DEPLOYMENTS}?fieldValidation=Strict", body)
    assert status == 400 and answer["reason"] == "BadRequest", answer
    assert answer["message"] == ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding '
                                 'error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"')
    assert await _revision(api) == before


async def test_ignore_prunes_silently(api: Api) -> None:
    async with api.session.post(f"{CONFIGMAPS}?fieldValidation=Ignore", json=_config_map("quiet", evil=1)) as resp:
        assert resp.status == 201 and "Warning" not in resp.headers
        assert "evil" not in await resp.json()


async def test_a_json_patch_adding_a_field_does_not_keep_it(api: Api) -> None:
    assert (await api.post(CONFIGMAPS, _config_map("patched")))[0] == 201
    ops = [{"op": "add", "path": "/evil", "value": {"nested": {"deep": [1, 2, 3]}}}]
    status, answer = await api.patch(f"{CONFIGMAPS}/patched", ops, content_type="application/json-patch+json")
    assert status == 200 and "evil" not in answer, answer
    assert "evil" not in (await api.get(f"{CONFIGMAPS}/patched"))[1]
    status, answer = await api.patch(f"{CONFIGMAPS}/patched?fieldValidation=Strict", ops,
                                     content_type="application/json-patch+json")
    assert status == 400 and 'unknown field "evil"' in answer["message"], answer


@pytest.mark.parametrize("content_type", ["application/merge-patch+json", "application/strategic-merge-patch+json"])
async def test_merge_patches_are_pruned_and_strict_refuses(api: Api, content_type: str) -> None:
    assert (await api.post(DEPLOYMENTS, deployment("mp")))[0] == 201
    patch = {"spec": {"foo": 1, "template": {"spec": {"containers": [
        {"name": "c", "image": "kube.local/busybox:1", "bar": 2}]}}}}
    status, answer = await api.patch(f"{DEPLOYMENTS}/mp?fieldValidation=Strict", patch, content_type=content_type)
    assert status == 400, answer
    assert 'unknown field "spec.foo"' in answer["message"]
    assert 'unknown field "spec.template.spec.containers[0].bar"' in answer["message"]
    status, answer = await api.patch(f"{DEPLOYMENTS}/mp", patch, content_type=content_type)
    assert status == 200 and "foo" not in answer["spec"], answer
    assert "bar" not in answer["spec"]["template"]["spec"]["containers"][0]


async def test_server_side_apply_and_update_prune_too(api: Api) -> None:
    applied = _config_map("applied", evil=1)
    status, answer = await api.patch(f"{CONFIGMAPS}/applied?fieldManager=me&fieldValidation=Strict", applied,
                                     content_type="application/apply-patch+yaml")
    assert status == 400 and 'unknown field "evil"' in answer["message"], answer
    status, answer = await api.patch(f"{CONFIGMAPS}/applied?fieldManager=me", applied,
                                     content_type="application/apply-patch+yaml")
    assert status == 201 and "evil" not in answer, answer
    assert "f:evil" not in json.dumps(answer["metadata"].get("managedFields", []))
    replaced = {**answer, "evil": 2}
    status, answer = await api.put(f"{CONFIGMAPS}/applied", replaced)
    assert status == 200 and "evil" not in answer, answer
    status, answer = await api.put(f"{CONFIGMAPS}/applied?fieldValidation=Strict", {**answer, "evil": 2})
    assert status == 400, answer


async def test_a_bad_field_validation_value_is_400(api: Api) -> None:
    status, answer = await api.post(f"{CONFIGMAPS}?fieldValidation=strict", _config_map("x"))
    assert status == 400 and 'fieldValidation: Unsupported value: "strict"' in answer["message"], answer


# --- connections ----------------------------------------------------------------------------

IDLE = 0.5


@pytest.fixture
async def quick_server(pki_dir: Path, tmp_path: Path) -> AsyncIterator[APIServer]:
    srv = APIServer(server_config(pki_dir, tmp_path, connection_idle_timeout=IDLE))
    await srv.start()
    yield srv
    await srv.stop()


async def _seconds_until_closed(reader: asyncio.StreamReader, limit: float = 10.0) -> float:
    """How long until the server closes the connection (reading whatever it sends meanwhile)."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(limit):
            while await reader.read(4096):
                pass
    except (ConnectionError, ssl.SSLError):
        pass
    return time.perf_counter() - started


def _tls(pki_dir: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file(pki_dir))


def test_the_default_is_a_minute() -> None:
    assert ServerConfig().connection_idle_timeout == 60.0


async def test_a_tcp_connection_that_never_starts_tls_is_closed(quick_server: APIServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", quick_server.config.secure_port)
    assert await _seconds_until_closed(reader) < IDLE + 3
    writer.close()


async def test_a_tls_connection_that_sends_nothing_is_closed(quick_server: APIServer, pki_dir: Path) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", quick_server.config.secure_port, ssl=_tls(pki_dir))
    assert await _seconds_until_closed(reader) < IDLE + 3
    writer.close()


async def test_half_a_header_or_a_trickle_is_closed(quick_server: APIServer, pki_dir: Path) -> None:
    port = quick_server.config.secure_port
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=_tls(pki_dir))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line: the head never ends
    assert await _seconds_until_closed(reader) < IDLE + 3
    writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=_tls(pki_dir))

    async def trickle() -> None:
        for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 100:
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)

    sender = asyncio.create_task(trickle())
    assert await _seconds_until_closed(reader) < IDLE + 3  # bytes arriving do not extend the deadline
    sender.cancel()
    writer.close()


async def test_requests_are_served_and_an_idle_keep_alive_is_closed(quick_server: APIServer,
                                                                    pki_dir: Path) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", quick_server.config.secure_port, ssl=_tls(pki_dir))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200")
    assert await _seconds_until_closed(reader) < IDLE + 3
    writer.close()


async def test_a_watch_outlives_the_idle_timeout(quick_server: APIServer, pki_dir: Path) -> None:
    async with client_session(quick_server.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
        started = time.perf_counter()
        async with session.get(f"{CONFIGMAPS}?watch=true&timeoutSeconds=2") as resp:
            assert resp.status == 200
            await resp.read()  # the server ends the watch after timeoutSeconds, not the idle timeout
        assert time.perf_counter() - started >= 1.8
        assert (await (await session.get("/healthz")).read()) == b"ok"
