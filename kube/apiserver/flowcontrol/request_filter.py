"""Where APF meets a request, as Kubernetes' WithPriorityAndFairness filter: after
authentication and authorization, before the handler.

The request is classified (its digest: the user after impersonation, or system:anonymous
when there is no authentication; what it addresses), the schema and level UIDs go out as
X-Kubernetes-PF-FlowSchema-UID / -PriorityLevel-UID on whatever response it gets (a 429
too, and a watch's), and it holds a seat of its level while the handler runs.
Long-running requests (watches, log follows, exec/attach/portforward) and the
non-resource documents served from memory are classified but take no seat, as
Kubernetes holds none for a watch once it is set up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from kube.apiserver.auth.user import UserInfo
from kube.apiserver.flowcontrol.classifier import Classification, RequestDigest
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState

ANONYMOUS = UserInfo("system:anonymous", ("system:unauthenticated",))
CLASSIFICATION: web.RequestKey[Classification] = web.RequestKey("kube_flowcontrol_classification", Classification)
FLOW_SCHEMA_UID = "X-Kubernetes-PF-FlowSchema-UID"
PRIORITY_LEVEL_UID = "X-Kubernetes-PF-PriorityLevel-UID"


def resource_digest(user: UserInfo | None, info: RequestInfo) -> RequestDigest:
    user = user or ANONYMOUS
    kind = info.kind
    # Kubernetes' RequestInfo names a Namespace's own path by its namespace too
    namespace = info.name if kind.plural == "namespaces" and not kind.group and info.name else info.namespace
    return RequestDigest(user.name, user.groups, info.verb, kind.group, kind.plural, info.subresource, namespace)


def path_digest(user: UserInfo | None, method: str, path: str) -> RequestDigest:
    user = user or ANONYMOUS
    return RequestDigest(user.name, user.groups, method.lower(), path=path, is_resource=False)


async def serve(request: web.Request, state: ServerState, digest: RequestDigest, seat_free: bool,
                call: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    flow_control = state.flowcontrol
    if flow_control is None:  # a server state assembled without APF (tests of the core)
        return await call()
    found = flow_control.classify(digest)
    request[CLASSIFICATION] = found
    if seat_free:
        return await call()
    async with flow_control.admit(found):
        state.metrics.inflight += 1
        try:
            return await call()
        finally:
            state.metrics.inflight -= 1


def _uid(obj: dict[str, object]) -> str:
    meta = obj.get("metadata")
    return str(meta.get("uid", "")) if isinstance(meta, dict) else ""


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """The headers, set as the response starts (before a watch's first byte too)."""
    found = request.get(CLASSIFICATION)
    if found is not None:
        response.headers[FLOW_SCHEMA_UID] = _uid(found.flow_schema)
        response.headers[PRIORITY_LEVEL_UID] = _uid(found.priority_level)
