"""Bearer tokens at the node's server: `--authentication-token-webhook`, as the kubelet's.

A caller without a client certificate may present `Authorization: Bearer <token>`; the node asks
the API server whose it is with a TokenReview (authentication.k8s.io/v1) posted through its own
API client, and keeps the answer, good or bad, for `--authentication-token-webhook-cache-ttl`
(the kubelet's 2 min), so a ServiceAccount scraping /stats every few seconds costs one review
per TTL. An API that cannot answer raises and is not remembered.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

TOKEN_TTL = 120.0
Post = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]  # POST a review, get it back answered


@dataclass(frozen=True)
class Caller:
    """Who a request comes from, in the terms a SubjectAccessReview's spec takes."""

    user: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)


def bearer(authorization: str) -> str:
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_review(token: str) -> dict[str, Any]:
    return {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}


class TokenAuthenticator:
    """TokenReview through the API, its answers cached by the token's digest (never the token)."""

    def __init__(self, post: Post, ttl: float = TOKEN_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.post, self.ttl, self.clock = post, ttl, clock
        self.cache: dict[bytes, tuple[Caller | None, float]] = {}
        self.reviews = 0  # TokenReviews posted

    async def authenticate(self, token: str) -> Caller | None:
        """The token's caller, or None when the API server says it is nobody's."""
        key, now = hashlib.sha256(token.encode()).digest(), self.clock()
        held = self.cache.get(key)
        if held is not None and held[1] > now:
            return held[0]
        self.reviews += 1
        status = (await self.post(token_review(token))).get("status") or {}
        caller = None
        if status.get("authenticated"):
            user = status.get("user") or {}
            caller = Caller(str(user.get("username") or ""), tuple(str(g) for g in user.get("groups") or ()),
                            str(user.get("uid") or ""), {str(k): list(v) for k, v in (user.get("extra") or {}).items()})
        if len(self.cache) > 4096:
            self.cache = {k: v for k, v in self.cache.items() if v[1] > now}
        self.cache[key] = (caller, now + self.ttl)
        return caller
