"""Who may call the node's server, and for what: `kube node --authorization-mode`, after the
kubelet's flag of that name.

- `APIServer` (the default, ours): only the API server's client certificate
  (client_identity.py) passes; any other certificate of the cluster CA, another node's
  included, is 403. The kubelet has no such mode; it is what this node always did, and what a
  kubelet in Webhook mode amounts to when only the API server is bound to nodes/proxy.
- `Webhook`: the API server's certificate passes at once (it is who every `kubectl exec` comes
  through: no review on that path). Any other CA-signed certificate is asked about through the
  API, as the kubelet's webhook authorizer does: a SubjectAccessReview (authorization.k8s.io/v1)
  for the certificate's CN and O groups (plus system:authenticated) on `nodes/<subresource>`
  named after this node, the verb from the HTTP method. Answers are cached per question, an
  allowed one 5 min and a denied one 30 s (the kubelet's --authorization-webhook-cache-*-ttl
  defaults); an API that cannot answer is 503 and is not cached. Other nodes stay refused
  because nothing grants system:nodes nodes/proxy.
- `AlwaysAllow`: any CA-signed certificate passes.

Without a certificate the answer is 401 in every mode (authentication comes first); without
--client-ca-file the server is open, as before. /healthz, /livez, /readyz and /metrics never ask.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from kube.node.client_identity import API_SERVER_CN, forbidden, node_subresource, status, subject, verb_of

log = logging.getLogger("kube.node.authorization")
MODES = ("APIServer", "Webhook", "AlwaysAllow")
OPEN_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/metrics"})
ALLOWED_TTL = 300.0
DENIED_TTL = 30.0
Review = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]  # POST a SubjectAccessReview, get it back answered
NodeOf = Callable[[web.Request], str]  # the node a request is for (simulated nodes share one server)


def access_review(user: str, groups: list[str], verb: str, subresource: str, node: str) -> dict[str, Any]:
    """The SubjectAccessReview the kubelet's webhook authorizer posts for a request to its port."""
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": groups,
                     "resourceAttributes": {"verb": verb, "group": "", "version": "v1", "resource": "nodes",
                                            "subresource": subresource, "name": node}}}


class NodeServerAuthorizer:
    """The door in front of every route but the open ones; `refusal` is None to let a request on."""

    def __init__(self, mode: str = "APIServer", review: Review | None = None, *, required: bool = True,
                 allowed_ttl: float = ALLOWED_TTL, denied_ttl: float = DENIED_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if mode not in MODES:
            raise ValueError(f"--authorization-mode: {mode!r} is not one of {', '.join(MODES)}")
        if mode == "Webhook" and review is None:
            raise ValueError("--authorization-mode Webhook needs a client of the API server")
        self.mode, self.review, self.required = mode, review, required
        self.allowed_ttl, self.denied_ttl, self.clock = allowed_ttl, denied_ttl, clock
        self.cache: dict[tuple[str, tuple[str, ...], str, str, str], tuple[bool, float]] = {}
        self.reviews = 0  # SubjectAccessReviews posted (the cache keeps this low)

    async def refusal(self, request: web.Request, node_of: NodeOf) -> web.StreamResponse | None:
        if not self.required or request.path in OPEN_PATHS:
            return None
        peercert = request.transport.get_extra_info("peercert") if request.transport else None
        if not peercert:
            return status(401, "Unauthorized", "a client certificate signed by the cluster CA is required")
        user, groups = subject(peercert)
        if user == API_SERVER_CN or self.mode == "AlwaysAllow":
            return None
        verb, subresource = verb_of(request.method), node_subresource(request.path)
        if self.mode == "APIServer":
            return forbidden(user, verb, subresource)
        groups = [*groups, "system:authenticated"] if "system:authenticated" not in groups else groups
        try:
            allowed = await self._allowed(user, groups, verb, subresource, node_of(request))
        except Exception as exc:  # noqa: BLE001 - whatever the API answered, this request cannot be decided
            log.warning("SubjectAccessReview for %s failed: %s", user, exc)
            return status(503, "ServiceUnavailable", f"Authorization error (user={user}, verb={verb}, "
                           f"resource=nodes, subresource={subresource}): {exc}")
        return None if allowed else forbidden(user, verb, subresource)

    async def _allowed(self, user: str, groups: list[str], verb: str, subresource: str, node: str) -> bool:
        key = (user, tuple(groups), verb, subresource, node)
        now = self.clock()
        cached = self.cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        assert self.review is not None
        self.reviews += 1
        answer = await self.review(access_review(user, groups, verb, subresource, node))
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
