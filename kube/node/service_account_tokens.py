"""The agent's ServiceAccount tokens, as the kubelet's token manager keeps them.

A pod's projected `serviceAccountToken` source is filled with a token from the
TokenRequest API (serviceaccounts/<name>/token), bound to the pod (name and uid), so
it dies with the pod. One token per (pod, account, audience, lifetime) is kept and
requested again once it has lived 80% of its lifetime (or 24 h), as the kubelet does:
the file in the pod is rewritten well before the old token expires. Tokens of pods
that are gone are forgotten by `forget`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kube.api.meta import Obj
from kube.client.paths import object_path
from kube.client.rest import RestClient
from kube.node.runtime import ContainerConfigError

REFRESH_FRACTION = 0.8
MAX_AGE_SECONDS = 24 * 3600
MIN_SECONDS = 600


@dataclass(frozen=True)
class _Token:
    value: str
    issued: float
    refresh_at: float


class ServiceAccountTokens:
    def __init__(self, client: RestClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.clock = clock
        self._tokens: dict[tuple[str, str, str, int], _Token] = {}
        self.requests = 0  # TokenRequests made (a test and a metric's worth of evidence)

    async def token(self, pod: Obj, audience: str, seconds: int) -> str:
        """A valid token for the pod's ServiceAccount, fresh enough to write into its volume."""
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        uid, namespace = str(meta.get("uid", "")), str(meta.get("namespace", "default"))
        account = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        seconds = max(int(seconds or 3600), MIN_SECONDS)
        key = (uid, account, audience, seconds)
        now = self.clock()
        held = self._tokens.get(key)
        if held is not None and now < held.refresh_at:
            return held.value
        from kube.api.registry import resolve
        from kube.client.errors import ApiError

        kind = resolve("serviceaccounts")
        assert kind is not None
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {
            "audiences": [audience] if audience else [], "expirationSeconds": seconds,
            "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": meta.get("name", ""), "uid": uid}}}
        try:
            answer = await self.client.request("POST", object_path(kind, namespace, account, "token"), body=body)
        except ApiError as exc:
            if held is not None and exc.code >= 500:
                return held.value  # the old one is still valid for a while: keep serving it
            if exc.code in (403, 404):  # no such account (yet), or tokens are not issued: wait, as the kubelet
                raise ContainerConfigError(f'failed to fetch token: serviceaccounts "{account}": {exc.message}') \
                    from None
            raise
        self.requests += 1
        if len(self._tokens) > 4096:  # pods come and go: drop what is due for renewal anyway
            self._tokens = {k: v for k, v in self._tokens.items() if v.refresh_at > now}
        lifetime = min(seconds, MAX_AGE_SECONDS)
        self._tokens[key] = _Token(str(answer["status"]["token"]), now, now + REFRESH_FRACTION * lifetime)
        return self._tokens[key].value

    def forget(self, live_uids: set[str]) -> None:
        """Drop the tokens of pods no longer on this node."""
        self._tokens = {k: v for k, v in self._tokens.items() if k[0] in live_uids}
