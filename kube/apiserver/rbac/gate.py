"""The three questions the dispatcher asks of every request, in one place:
who does it run as (impersonation), may it fetch this path, may it do this to this resource.

The Chain of --authorization-mode answers; with no chain (an API server built without
authentication, for tests of the REST core) everything is allowed.
"""

from __future__ import annotations

from aiohttp import web

from kube.apiserver.audit import record as audit_record
from kube.apiserver.auth.authorizer import forbidden
from kube.apiserver.auth.request_user import CURRENT_USER
from kube.apiserver.auth.user import UserInfo
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.rbac.impersonation import impersonate
from kube.apiserver.rbac.rules import Request
from kube.apiserver.state import ServerState


def run_as(request: web.Request, state: ServerState, user: UserInfo) -> UserInfo:
    """The request's user after impersonation, remembered for the write path's checks."""
    if "Impersonate-User" in request.headers or any(k.lower().startswith("impersonate-") for k in request.headers):
        user = impersonate(state.authorizer, user, request.headers)
        audit = audit_record.current()
        if audit is not None:
            audit.impersonated = user
    CURRENT_USER.set(user)
    return user


def check(state: ServerState, user: UserInfo, req: Request) -> None:
    """403 Forbidden, with Kubernetes' message, unless the chain allows `req`."""
    if state.authorizer is None:
        return
    allowed, reason = state.authorizer.decide(user, req)
    audit = audit_record.current()
    if audit is not None:
        audit.authorized(allowed, reason)
    if not allowed:
        raise forbidden(user, req, reason)


def check_path(state: ServerState, user: UserInfo, method: str, path: str) -> None:
    check(state, user, Request(verb=method.lower() if method != "HEAD" else "get", path=path))


def check_resource(state: ServerState, user: UserInfo, info: RequestInfo) -> None:
    check(state, user, Request(info.verb, info.kind.plural, info.subresource, info.namespace, info.kind.group,
                               info.name))
