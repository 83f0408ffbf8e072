"""Every kind the server serves answers in Kubernetes' Go field order (issue 13, item 5):
each sample is sent with its top-level fields and its metadata reversed, and the create,
get, list and watch answers must read as Go's structs write them (the top level, ObjectMeta,
ListMeta, a Status' details and causes), whatever order the client used."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson

from kube.api import registry
from kube.api.registry import KindInfo
from tests.apiserver.conftest import Api
from tests.apiserver.handlers.served_kinds import (
    GO_ORDER,
    LIST_META,
    SAMPLES,
    go_keys,
    go_meta_keys,
    reversed_fields,
)

_CREATE_ONLY = {k.kind for k in registry.KINDS if k.verbs == ("create",)}


def _collection(kind: KindInfo) -> str:
    base = f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"
    return f"{base}/namespaces/default/{kind.plural}" if kind.namespaced else f"{base}/{kind.plural}"


async def _raw(api: Api, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    async with api.session.request(method, path, data=data, headers=headers) as resp:
        return resp.status, await resp.read()


def _assert_go_order(kind: str, raw: bytes) -> dict[str, Any]:
    assert raw.endswith(b"}\n"), raw[-40:]
    body = orjson.loads(raw)  # orjson keeps the order of the bytes
    _assert_object(kind, body)
    return body


def _assert_object(kind: str, body: dict[str, Any]) -> None:
    keys, meta = list(body), list(body.get("metadata") or {})
    assert keys == go_keys(kind, keys), f"{kind}: {keys}"
    assert meta == go_meta_keys(meta), f"{kind} metadata: {meta}"


def test_every_served_kind_has_a_sample_and_a_go_order() -> None:
    served = {k.kind for k in registry.KINDS}
    assert set(SAMPLES) == served
    assert served <= set(GO_ORDER)


async def test_create_get_and_list_answer_in_go_order_whatever_the_client_sent(api: Api) -> None:
    for kind in registry.KINDS:
        sample = {**SAMPLES[kind.kind], "apiVersion": kind.api_version, "kind": kind.kind}
        code, raw = await _raw(api, "POST", _collection(kind), reversed_fields(sample))
        assert code in (200, 201), (kind.kind, raw)
        created = _assert_go_order(kind.kind, raw)
        if kind.kind in _CREATE_ONLY:
            continue
        name = created["metadata"]["name"]
        code, raw = await _raw(api, "GET", f"{_collection(kind)}/{name}")
        assert code == 200, (kind.kind, raw)
        _assert_go_order(kind.kind, raw)
        code, raw = await _raw(api, "GET", _collection(kind))
        listed = orjson.loads(raw)
        assert code == 200 and list(listed) == ["kind", "apiVersion", "metadata", "items"]
        assert list(listed["metadata"]) == go_meta_keys(list(listed["metadata"]), LIST_META)
        [item] = [i for i in listed["items"] if i["metadata"]["name"] == name]
        _assert_object(kind.kind, item)


async def test_rbac_and_endpointslice_fields_come_back_in_go_order(api: Api) -> None:
    """The kinds whose top level is not spec/status, each with every Go field present."""
    expect = {"RoleBinding": ["subjects", "roleRef"], "ClusterRoleBinding": ["subjects", "roleRef"],
              "ClusterRole": ["rules", "aggregationRule"], "Role": ["rules"],
              "EndpointSlice": ["addressType", "endpoints", "ports"]}
    for name, fields in expect.items():
        kind = next(k for k in registry.KINDS if k.kind == name)
        sample = {**SAMPLES[name], "apiVersion": kind.api_version, "kind": name}
        code, raw = await _raw(api, "POST", _collection(kind), reversed_fields(sample))
        assert code == 201, raw
        assert list(orjson.loads(raw)) == ["kind", "apiVersion", "metadata", *fields]


async def test_a_watch_event_carries_the_object_in_go_order(api: Api) -> None:
    kind = next(k for k in registry.KINDS if k.kind == "RoleBinding")
    watch = asyncio.create_task(api.watch(f"{_collection(kind)}?watch=true&fieldSelector=metadata.name=ordered",
                                          until=1))
    await asyncio.sleep(0)
    sample = {**SAMPLES["RoleBinding"], "apiVersion": kind.api_version, "kind": "RoleBinding"}
    code, _ = await _raw(api, "POST", _collection(kind), reversed_fields(sample))
    assert code == 201
    [event] = await asyncio.wait_for(watch, 30)
    assert list(event["object"]) == ["kind", "apiVersion", "metadata", "subjects", "roleRef"]
    assert list(event["object"]["metadata"]) == ["name", "namespace", "uid", "resourceVersion", "creationTimestamp",
                                                 "labels", "annotations"]


async def test_a_paged_list_and_its_continued_page_carry_list_meta_in_go_order(api: Api) -> None:
    for i in range(3):
        body = {"metadata": {"name": f"page-{i}"}, "data": {"k": "v"}, "apiVersion": "v1", "kind": "ConfigMap"}
        assert (await _raw(api, "POST", "/api/v1/namespaces/default/configmaps", reversed_fields(body)))[0] == 201
    code, raw = await _raw(api, "GET", "/api/v1/namespaces/default/configmaps?limit=1")
    page = orjson.loads(raw)
    keys = list(page["metadata"])
    assert code == 200 and keys[:2] == ["resourceVersion", "continue"] and keys == go_meta_keys(keys, LIST_META)
    rest = f"/api/v1/namespaces/default/configmaps?limit=1&continue={page['metadata']['continue']}"
    code, raw = await _raw(api, "GET", rest)
    assert code == 200
    for item in orjson.loads(raw)["items"]:  # read from the store, not the watch cache
        _assert_object("ConfigMap", item)


async def test_subresource_bodies_and_a_status_read_in_go_order(api: Api) -> None:
    deploy = {**SAMPLES["Deployment"], "apiVersion": "apps/v1", "kind": "Deployment"}
    assert (await _raw(api, "POST", "/apis/apps/v1/namespaces/default/deployments", deploy))[0] == 201
    code, raw = await _raw(api, "GET", "/apis/apps/v1/namespaces/default/deployments/ordered/scale")
    assert code == 200
    _assert_go_order("Scale", raw)
    bad = {"spec": {"parallelism": -1, "completions": -1, "template": {"spec": {"containers": []}}},
           "metadata": {"name": "bad"}, "apiVersion": "batch/v1", "kind": "Job"}
    code, raw = await _raw(api, "POST", "/apis/batch/v1/namespaces/default/jobs", bad)
    status = orjson.loads(raw)
    assert code == 422 and raw.endswith(b"}\n")
    assert list(status) == ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"]
    assert list(status["details"]) == ["name", "group", "kind", "causes"]
    assert all(list(cause) == ["reason", "message", "field"] for cause in status["details"]["causes"])
