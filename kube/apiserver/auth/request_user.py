"""The user of the request being served, for the write path's user-aware checks.

The dispatcher sets it once per request (each aiohttp request runs in its own task, so a
ContextVar is per request); RBAC escalation prevention and NodeRestriction read it from the
strategies' hooks, which the generic write path calls without knowing about users. None when
the server runs without authentication (in-process tests of the REST core) or outside a
request (bootstrap), where those checks do not apply.
"""

from __future__ import annotations

from contextvars import ContextVar

from kube.apiserver.auth.user import UserInfo

CURRENT_USER: ContextVar[UserInfo | None] = ContextVar("kube_request_user", default=None)


def current_user() -> UserInfo | None:
    return CURRENT_USER.get()
