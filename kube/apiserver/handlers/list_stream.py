"""Large lists written slice by slice, never encoded whole.

A list of 150,000 pods is some 400 MB of JSON: encoded at once it doubles the API
server's memory for as long as it is sent, and holds the event loop for the whole
encoding, so every other request (a node's heartbeat, another user's get) waits
behind one reader. Written in slices of SLICE_ITEMS, the encoded list in memory is
one slice, and the loop serves other requests between slices (each slice yields to
them, whether or not the socket has to drain). The bytes are exactly those
json_response writes for the whole list (Go's field order and HTML-safe escapes are
per item, the list's head is fixed), in chunked transfer encoding, as kube-apiserver
streams its own large lists.

A list is streamed only when it is long (STREAM_AT items) and no audit rule logs
this request's response body (RequestResponse needs the whole object).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from kube.api.field_order import go_order
from kube.api.go_json import html_safe
from kube.api.meta import Obj
from kube.apiserver.audit.auditor import logs_response_body
from kube.apiserver.handlers.encoding import JSON

STREAM_AT = 1000
SLICE_ITEMS = 250


def should_stream(request: web.Request, items: list[Obj]) -> bool:
    return len(items) >= STREAM_AT and not logs_response_body(request)


def _head(list_kind: str, api_version: str, meta: dict[str, Any]) -> bytes:
    """The list's bytes up to its first item: `{"kind":...,"metadata":{...},"items":[`."""
    empty = html_safe(orjson.dumps(go_order({"kind": list_kind, "apiVersion": api_version, "metadata": meta,
                                             "items": []})))
    assert empty.endswith(b"[]}")
    return empty[:-2]


def encode_slice(list_kind: str, items: list[Obj]) -> bytes:
    """Items as they appear inside the list's `[...]`, comma-joined, without the brackets."""
    ordered = go_order({"kind": list_kind, "items": items})["items"]
    return html_safe(orjson.dumps(ordered))[1:-1]


async def stream_list(request: web.Request, list_kind: str, api_version: str, meta: dict[str, Any],
                      items: list[Obj]) -> web.StreamResponse:
    resp = web.StreamResponse(status=200)
    resp.content_type = JSON
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    await resp.write(_head(list_kind, api_version, meta))
    for start in range(0, len(items), SLICE_ITEMS):
        chunk = encode_slice(list_kind, items[start:start + SLICE_ITEMS])
        await resp.write(b"," + chunk if start else chunk)
        await asyncio.sleep(0)  # a write below the socket's high-water mark does not yield by itself
    await resp.write(b"]}\n")
    await resp.write_eof()
    return resp
