"""Who may call the node's server, and for what: the kubelet's --authentication-token-webhook and
--authorization-mode, one door in front of every route (logs, exec, attach, port-forward, stats).

Authentication comes first: a client certificate of the cluster CA is its CN and O groups (plus
system:authenticated, as the kubelet's group adder); else, with the token webhook on, a bearer
token is whoever a TokenReview through the API says (token_authentication.py); else 401.

Then the mode decides:
- `Webhook` (the default, as KubeletConfiguration's): everyone, the API server's own certificate
  included, is asked about through the API, as the kubelet's webhook authorizer does: a
  SubjectAccessReview (authorization.k8s.io/v1) on `nodes/<subresource>` named after this node,
  the verb from the HTTP method, for each subresource of the path until one is allowed
  (client_identity.py). The API server passes by RBAC (system:kubelet-api-admin is bound to its
  kube-apiserver-kubelet-client user); other nodes stay refused because nothing grants
  system:nodes nodes/proxy. Answers are cached per question, an allowed one 5 min and a denied
  one 30 s (the kubelet's --authorization-webhook-cache-*-ttl defaults), so a `kubectl exec`
  costs a dict lookup; an API that cannot answer is 503 with the kubelet's "Authorization error"
  words and is not cached.
- `APIServer` (ours): only the API server's client certificate passes, without asking.
- `AlwaysAllow`: anyone authenticated passes.

Without --client-ca-file the server is open, as before. /healthz, /livez, /readyz and /metrics
never ask (Prometheus and the health checks scrape them without credentials).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from kube.node.client_identity import API_SERVER_CN, forbidden, node_subresources, status, subject, verb_of
from kube.node.token_authentication import Caller, TokenAuthenticator, bearer

log = logging.getLogger("kube.node.authorization")
MODES = ("APIServer", "Webhook", "AlwaysAllow")
OPEN_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/metrics"})
ALLOWED_TTL = 300.0
DENIED_TTL = 30.0
ASK_TIMEOUT = 10.0  # seconds for the API to answer one review (its client retries within)
Review = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]  # POST a SubjectAccessReview, get it back answered
NodeOf = Callable[[web.Request], str]  # the node a request is for (simulated nodes share one server)


def access_review(caller: Caller, verb: str, subresource: str, node: str) -> dict[str, Any]:
    """The SubjectAccessReview the kubelet's webhook authorizer posts for a request to its port."""
    spec: dict[str, Any] = {"user": caller.user, "groups": list(caller.groups),
                            "resourceAttributes": {"verb": verb, "group": "", "version": "v1", "resource": "nodes",
                                                   "subresource": subresource, "name": node}}
    if caller.uid:
        spec["uid"] = caller.uid
    if caller.extra:
        spec["extra"] = caller.extra
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}


class NodeServerAuthorizer:
    """The door in front of every route but the open ones; `refusal` is None to let a request on."""

    def __init__(self, mode: str = "Webhook", review: Review | None = None, *, required: bool = True,
                 tokens: TokenAuthenticator | None = None, allowed_ttl: float = ALLOWED_TTL,
                 denied_ttl: float = DENIED_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        if mode not in MODES:
            raise ValueError(f"--authorization-mode: {mode!r} is not one of {', '.join(MODES)}")
        if mode == "Webhook" and review is None:
            raise ValueError("--authorization-mode Webhook needs a client of the API server")
        self.mode, self.review, self.required, self.tokens = mode, review, required, tokens
        self.allowed_ttl, self.denied_ttl, self.clock = allowed_ttl, denied_ttl, clock
        self.cache: dict[tuple[Caller, str, str, str], tuple[bool, float]] = {}
        self.reviews = 0  # SubjectAccessReviews posted (the cache keeps this low)

    async def caller(self, request: web.Request) -> Caller | web.StreamResponse:
        """Who is asking (authentication), or the refusal: 401, or 503 when a token cannot be checked."""
        peercert = request.transport.get_extra_info("peercert") if request.transport else None
        if peercert:
            user, groups = subject(peercert)
            return Caller(user, tuple(groups) + (() if "system:authenticated" in groups else ("system:authenticated",)))
        token = bearer(request.headers.get("Authorization", ""))
        if token and self.tokens is not None:
            try:
                found = await asyncio.wait_for(self.tokens.authenticate(token), ASK_TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - whatever the API answered, the token is unchecked
                log.warning("TokenReview failed: %s", exc)
                return status(503, "ServiceUnavailable", f"Authentication error: the API server could not "
                              f"review the bearer token: {exc or type(exc).__name__}")
            if found is not None:
                return found
            return status(401, "Unauthorized", "Unauthorized: the bearer token is not valid (TokenReview)")
        return status(401, "Unauthorized", "Unauthorized: a client certificate signed by the cluster CA"
                      + (" or a bearer token" if self.tokens is not None else "") + " is required")

    async def refusal(self, request: web.Request, node_of: NodeOf) -> web.StreamResponse | None:
        if not self.required or request.path in OPEN_PATHS:
            return None
        caller = await self.caller(request)
        if not isinstance(caller, Caller):
            return caller
        if self.mode == "AlwaysAllow":
            return None
        verb, subresources = verb_of(request.method), node_subresources(request.path)
        if self.mode == "APIServer":
            return None if caller.user == API_SERVER_CN else forbidden(caller.user, verb, subresources)
        node = node_of(request)
        for subresource in subresources:
            try:
                if await self._allowed(caller, verb, subresource, node):
                    return None
            except Exception as exc:  # noqa: BLE001 - whatever the API answered, this request cannot be decided
                log.warning("SubjectAccessReview for %s failed: %s", caller.user, exc)
                return status(503, "ServiceUnavailable", f"Authorization error (user={caller.user}, verb={verb}, "
                              f"resource=nodes, subresource={subresource}): the API server could not answer "
                              f"the SubjectAccessReview: {exc or type(exc).__name__}")
        return forbidden(caller.user, verb, subresources)

    async def _allowed(self, caller: Caller, verb: str, subresource: str, node: str) -> bool:
        key = (caller, verb, subresource, node)
        now = self.clock()
        cached = self.cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        assert self.review is not None
        self.reviews += 1
        answer = await asyncio.wait_for(self.review(access_review(caller, verb, subresource, node)), ASK_TIMEOUT)
        allowed = bool((answer.get("status") or {}).get("allowed"))
        if len(self.cache) > 4096:  # callers come and go: forget the expired answers
            self.cache = {k: v for k, v in self.cache.items() if v[1] > now}
        self.cache[key] = (allowed, now + (self.allowed_ttl if allowed else self.denied_ttl))
        return allowed

    def middleware(self, node_of: NodeOf) -> Callable[..., Awaitable[web.StreamResponse]]:
        @web.middleware
        async def door(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                       ) -> web.StreamResponse:
            refused = await self.refusal(request, node_of)
            return refused if refused is not None else await handler(request)

        return door
