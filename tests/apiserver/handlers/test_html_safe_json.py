"""Answers carry Go's HTML-safe escapes (kube/api/go_json.py): objects, lists, watch
events and Status messages, so an error string compared byte for byte reads as
Kubernetes writes it."""

from __future__ import annotations

import asyncio

import orjson

from tests.apiserver.conftest import Api

_PATH = "/api/v1/namespaces/default/configmaps"
_VALUE = "if a<b && b>c\u2028then"
_ESCAPED = b'"if a\\u003cb \\u0026\\u0026 b\\u003ec\\u2028then"'


async def _raw(api: Api, method: str, path: str, body: object = None) -> tuple[int, bytes]:
    data = None if body is None else orjson.dumps(body)
    async with api.session.request(method, path, data=data,
                                   headers={"Content-Type": "application/json"} if data else {}) as resp:
        return resp.status, await resp.read()


async def test_objects_lists_and_watch_events_escape_as_go_does(api: Api) -> None:
    watch = asyncio.create_task(api.session.get(f"{_PATH}?watch=true&fieldSelector=metadata.name=html"))
    await asyncio.sleep(0)
    code, created = await _raw(api, "POST", _PATH, {"metadata": {"name": "html"}, "data": {"rule": _VALUE}})
    assert code == 201 and _ESCAPED in created and b"<" not in created
    assert orjson.loads(created)["data"]["rule"] == _VALUE  # the same value, only written Go's way
    for path in (f"{_PATH}/html", _PATH):
        code, raw = await _raw(api, "GET", path)
        assert code == 200 and _ESCAPED in raw and b"&" not in raw, path
    async with await asyncio.wait_for(watch, 30) as resp:
        line = await asyncio.wait_for(resp.content.readline(), 30)
    assert line.startswith(b'{"type":"ADDED"') and _ESCAPED in line


async def test_a_status_message_reads_byte_for_byte_as_kubernetes_writes_it(api: Api) -> None:
    code, raw = await _raw(api, "GET", f"{_PATH}/a%3Cb%26c")
    assert code == 404
    assert raw == (b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                   b'"message":"configmaps \\"a\\u003cb\\u0026c\\" not found","reason":"NotFound",'
                   b'"details":{"name":"a\\u003cb\\u0026c","kind":"configmaps"},"code":404}\n')
