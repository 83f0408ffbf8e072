"""The aiohttp application: one catch-all handler instead of a middleware stack.

Every request passes the same few steps, inline for speed: non-resource paths
(health, version, metrics, discovery, OpenAPI), authentication, request info,
authorization, API Priority and Fairness (flowcontrol/), the verb's handler; and on the way out one
metrics observation. Every failure becomes a Kubernetes Status body; an
unexpected exception is logged and answered 500, never shown as a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from kube.api.errors import (
    StatusError,
    method_not_allowed,
    unauthorized,
)
from kube.apiserver import metrics
from kube.apiserver.audit import record as audit_record
from kube.apiserver.auth import UserInfo
from kube.apiserver.auth.oidc_discovery import OIDC_PATHS, oidc_document
from kube.apiserver.flowcontrol import request_filter
from kube.apiserver.handlers import discovery, health, request_info
from kube.apiserver.handlers.delete import delete, delete_collection
from kube.apiserver.handlers.encoding import (
    json_response,
    plain_json_response,
    raw_json_response,
    status_response,
)
from kube.apiserver.handlers.patch import patch
from kube.apiserver.handlers.read import get_object, list_objects
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.handlers.write import create, update
from kube.apiserver.metrics_api import discovery as metrics_discovery
from kube.apiserver.metrics_api import handler as metrics_handler
from kube.apiserver.rbac import gate, reviews
from kube.apiserver.state import STATE, ServerState
from kube.apiserver.subresources.binding import bind
from kube.apiserver.subresources.eviction import evict
from kube.apiserver.subresources.log import pod_log
from kube.apiserver.subresources.scale import get_scale, write_scale
from kube.apiserver.subresources.stream_proxy import NODE_PATHS, pod_stream
from kube.apiserver.subresources.token_request import create_token

log = logging.getLogger("kube.apiserver")

Handler = Callable[[web.Request, ServerState, RequestInfo], Awaitable[web.StreamResponse]]

HANDLERS: dict[tuple[str, str], Handler] = {
    ("get", ""): get_object, ("list", ""): list_objects, ("watch", ""): list_objects,
    ("create", ""): create, ("update", ""): update, ("patch", ""): patch,
    ("delete", ""): delete, ("deletecollection", ""): delete_collection,
    ("get", "status"): get_object, ("update", "status"): update, ("patch", "status"): patch,
    ("update", "finalize"): update,
    ("get", "approval"): get_object, ("update", "approval"): update, ("patch", "approval"): patch,
    ("get", "scale"): get_scale, ("update", "scale"): write_scale, ("patch", "scale"): write_scale,
    ("create", "binding"): bind, ("create", "eviction"): evict, ("get", "log"): pod_log,
    ("create", "token"): create_token,
    **{("create", sub): pod_stream for sub in NODE_PATHS},  # exec, attach, portforward: long-running
}
PUBLIC_PREFIXES = ("/healthz", "/livez", "/readyz", "/version")
DISCOVERY = discovery.documents()


def _public(request: web.Request, state: ServerState, path: str) -> web.StreamResponse:
    if path.startswith("/version"):
        return plain_json_response(health.version_info(), indent=True)
    checks = {"ping": True, "log": True}
    if not path.startswith("/livez"):
        checks["etcd"] = state.cache.ready.is_set()
    if path.startswith("/readyz"):
        checks["informer-sync"] = state.cache.ready.is_set()
    code, text = health.health_text(checks, "verbose" in request.query)
    return web.Response(text=text, status=code, content_type="text/plain")


def _non_resource(request: web.Request, state: ServerState, path: str) -> web.StreamResponse | None:
    doc = DISCOVERY.get(path)
    if doc is not None:
        return raw_json_response(doc)
    if path == "/metrics":
        return web.Response(body=state.metrics.render(), headers={"Content-Type": metrics.CONTENT_TYPE})
    if path == "/openapi/v2":
        from kube.apiserver.openapi import v2 as openapi_v2

        if "protobuf" in request.headers.get("Accept", ""):
            return web.Response(body=openapi_v2.protobuf_document(), content_type=openapi_v2.PROTOBUF_TYPE)
        return plain_json_response(openapi_v2.json_document())
    if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
        from kube.apiserver.openapi import v3 as openapi

        if path == "/openapi/v3":
            return plain_json_response(openapi.root_document())
        found = openapi.group_document(path[len("/openapi/v3/"):])
        if found is None:
            raise StatusError(404, "NotFound", f"the server could not find the requested resource (path {path})")
        return plain_json_response(found)
    return None


def _watchers(state: ServerState) -> dict[str, int]:
    counts = state.cache.watcher_counts()
    if state.replays:
        counts["(replayed from store)"] = state.replays
    return counts


async def _ready(response: web.StreamResponse) -> web.StreamResponse:
    return response


def _user(request: web.Request, state: ServerState) -> UserInfo | None:
    transport = request.transport
    peercert = transport.get_extra_info("peercert") if transport is not None else None
    return state.authenticator.authenticate(request.headers, peercert)


async def dispatch(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    if state.audit is not None:  # the audit log's middleware around the rest (kube/apiserver/audit/)
        return await state.audit.serve(request, lambda: _dispatch(request, state))
    return await _dispatch(request, state)


async def _dispatch(request: web.Request, state: ServerState) -> web.StreamResponse:
    audit = audit_record.current()
    started = time.perf_counter()
    path = request.path
    if len(path) > 1:
        path = path.rstrip("/")
    verb, resource, scope = request.method.lower(), "", ""
    resp: web.StreamResponse
    try:
        if path.startswith(PUBLIC_PREFIXES):
            if audit is not None and state.authenticator is not None:
                audit.user = _user(request, state) or audit_record.ANONYMOUS
            return _public(request, state, path)
        user = None
        if state.authenticator is not None:
            user = _user(request, state)
            if audit is not None:
                audit.user = user
            if user is None:
                raise unauthorized()
            user = gate.run_as(request, state, user)
        if path.startswith(metrics_discovery.PREFIX):  # metrics.k8s.io: from the nodes, not the store
            return await metrics_handler.serve(request, state, path, user)
        if path in OIDC_PATHS and state.service_accounts is not None:  # any authenticated user, as Kubernetes'
            return json_response(oidc_document(request, state.service_accounts, path))  # issuer-discovery role
        special = _non_resource(request, state, path)
        if special is not None:
            if user is not None:
                gate.check_path(state, user, request.method, path)
            return await request_filter.serve(request, state, request_filter.path_digest(user, request.method, path),
                                              True, lambda: _ready(special))
        info = request_info.parse(request.method, path, request_info.is_watch(request.query))
        if audit is not None:
            audit.info = info
        verb, resource, scope = info.verb, info.kind.plural, metrics.scope_of(info.verb, info.namespace, info.name)
        handler = reviews.review if reviews.is_review(info) else HANDLERS.get((info.verb, info.subresource))
        if handler is None or (not info.subresource and info.verb not in info.kind.verbs):  # a review is create-only
            raise method_not_allowed(f"the server does not allow this method on the requested resource "
                                     f"({request.method} {info.kind.plural}/{info.subresource})")
        if user is not None:
            gate.check_resource(state, user, info)
        long_running = info.verb == "watch" or (info.subresource == "log" and "follow" in request.query) \
            or info.subresource in NODE_PATHS
        resp = await request_filter.serve(request, state, request_filter.resource_digest(user, info), long_running,
                                          lambda: handler(request, state, info))
    except StatusError as exc:
        resp = status_response(exc)
    except web.HTTPRequestEntityTooLarge:
        resp = status_response(StatusError(413, "RequestEntityTooLarge", "Request entity too large"))
    except (ConnectionResetError, ConnectionError):
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: a Status, never a traceback
        log.exception("internal error serving %s %s", request.method, request.path_qs)
        if audit is not None:
            audit.panicked = True
        resp = status_response(StatusError(500, "InternalError", f"an internal error occurred: {type(exc).__name__}"))
    state.metrics.observe(verb.upper() if not resource else verb, resource, scope, resp.status,
                          time.perf_counter() - started)
    return resp


def build_app(state: ServerState) -> web.Application:
    app = web.Application(client_max_size=state.config.max_body_bytes, handler_args={"max_field_size": 65536})
    app[STATE] = state
    state.metrics.watchers = lambda: _watchers(state)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    app.on_response_prepare.append(request_filter.on_prepare)  # the APF headers, on every classified response
    if state.audit is not None:
        app.on_response_prepare.append(state.audit.on_prepare)  # Audit-Id; a long-running request's ResponseStarted
    return app
