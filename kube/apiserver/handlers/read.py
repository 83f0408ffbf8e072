"""get, list and watch: lists from the watch cache, continued pages and exact reads from the store."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.api.errors import bad_request
from kube.api.meta import Obj
from kube.apiserver.handlers.encoding import json_response, wants_table
from kube.apiserver.handlers.list_stream import should_stream, stream_list
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.list_pages import make_token, read_token, store_key, store_page
from kube.apiserver.storage.object_filter import build_filter
from kube.apiserver.storage.object_store import parse_rv
from kube.apiserver.watch.stream import serve_watch


def table_response(request: web.Request, info: RequestInfo, objs: list[Obj],
                   list_meta: dict[str, Any] | None) -> web.Response:
    from kube.apiserver.tables import to_table

    include = request.query.get("includeObject", "Metadata") or "Metadata"
    if include not in ("None", "Metadata", "Object"):
        raise bad_request(f'includeObject: Unsupported value: "{include}": supported values: "None", "Metadata", '
                          '"Object"')
    return json_response(to_table(info.kind, objs, include_object=include, list_meta=list_meta))


async def get_object(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    kind = info.kind
    if request.query.get("resourceVersion") == "0":
        obj = state.cache.caches[kind].objects.get(kind.key(info.namespace, info.name))
        if obj is None:
            obj = await state.objects.must_get(kind, info.namespace, info.name)
    else:
        obj = await state.objects.must_get(kind, info.namespace, info.name)
    if wants_table(request.headers.get("Accept", "")):
        return table_response(request, info, [obj], None)
    return json_response(obj)


def _limit(text: str) -> int:
    if not text:
        return 0
    try:
        value = int(text)
    except ValueError:
        raise bad_request(f'invalid limit "{text}"') from None
    return max(value, 0)


async def list_objects(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    q = request.query
    kind = info.kind
    fields = q.get("fieldSelector", "")
    if info.name:  # a watch on one object: GET .../pods/NAME?watch=true
        fields = ",".join(f for f in (fields, f"metadata.name={info.name}") if f)
    flt = build_filter(kind, info.namespace, q.get("labelSelector", ""), fields)
    table = wants_table(request.headers.get("Accept", ""))
    if info.verb == "watch":
        return await serve_watch(request, state, kind, flt, table)
    limit = _limit(q.get("limit", ""))
    token = q.get("continue", "")
    rv_text = q.get("resourceVersion", "")
    match = q.get("resourceVersionMatch", "")
    if match and match not in ("Exact", "NotOlderThan"):
        raise bad_request(f'resourceVersionMatch: Unsupported value: "{match}": supported values: "Exact", '
                          '"NotOlderThan"')
    if match and not rv_text:
        raise bad_request("resourceVersionMatch is forbidden unless resourceVersion is provided")
    if token:
        if rv_text:
            raise bad_request("specifying resource version is not allowed when using continue")
        revision, start = read_token(token)
        items, next_token = await store_page(state.objects, kind, flt, revision, start, limit)
    elif match == "Exact":
        revision = parse_rv(rv_text)
        await state.cache.wait_for(revision)  # a revision not reached yet: 504 Too large resource version
        items, next_token = await store_page(state.objects, kind, flt, revision, "", limit)
    else:
        if rv_text == "":
            revision = await state.cache.consistent()
        elif rv_text == "0":
            revision = state.cache.revision
        else:
            await state.cache.wait_for(parse_rv(rv_text))
            revision = state.cache.revision
        items = state.cache.caches[kind].select(flt)
        next_token = ""
        if limit and len(items) > limit and rv_text != "0":
            items = items[:limit]
            next_token = make_token(revision, store_key(kind, items[-1]))
    meta: dict[str, Any] = {"resourceVersion": str(revision)}
    if next_token:
        meta["continue"] = next_token
    if table:
        return table_response(request, info, items, meta)
    if should_stream(request, items):
        return await stream_list(request, kind.list_kind_name, kind.api_version, meta, items)
    return json_response({"kind": kind.list_kind_name, "apiVersion": kind.api_version, "metadata": meta,
                          "items": items})

