"""create (POST) and update (PUT) of whole objects."""

from __future__ import annotations

import copy

from aiohttp import web

from kube.api.errors import method_not_allowed
from kube.api.meta import Obj
from kube.apiserver.handlers.encoding import decode_object, dry_run, json_response, read_body
from kube.apiserver.handlers.field_validation import FieldValidation
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.lifecycle import check_identity
from kube.apiserver.storage.write_path import create_object, update_object
from kube.apiserver.strategies import strategy_for


async def body_of(request: web.Request, state: ServerState) -> Obj:
    raw = await read_body(request, state.config.max_body_bytes)
    return decode_object(raw, request.headers.get("Content-Type", ""))


async def create(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    kind = info.kind
    if info.name:
        raise method_not_allowed(f"the server does not allow this method on the requested resource "
                                 f"(post {kind.plural} {info.name})")
    if kind.namespaced and not info.namespace:
        raise method_not_allowed(f"the server does not allow this method on the requested resource "
                                 f"(post {kind.plural}): create in a namespace (/namespaces/NAME/{kind.plural})")
    fields = FieldValidation(request)
    body = await body_of(request, state)
    fields.check(check_identity(kind, body, info.namespace, ""))
    obj = await create_object(state, kind, body, dry_run=dry_run(request))
    return fields.respond(json_response(obj, 201))


async def update(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    kind = info.kind
    fields = FieldValidation(request)
    body = await body_of(request, state)
    fields.check(check_identity(kind, body, info.namespace, info.name))

    def replace(current: Obj | None) -> Obj:
        return copy.deepcopy(body)  # each attempt starts from what the client sent

    obj, created = await update_object(state, kind, info.namespace, info.name, replace,
                                       subresource=info.subresource,
                                       allow_create=strategy_for(kind).allow_create_on_update and not info.subresource,
                                       dry_run=dry_run(request))
    return fields.respond(json_response(obj, 201 if created else 200))
