"""The agent's side of image pull credentials: the pod's `imagePullSecrets` and those of
its ServiceAccount, read through the API into a `Keyring` the runtime receives ready
(no runtime holds a client).

Kubernetes' ServiceAccount admission copies the account's pull secrets into the pod
when it is created; this cluster has no such admission yet, so the agent reads the
account itself (the pod's own list first). A ServiceAccount read is reused for a TTL
like the EnvResolver's reads; a missing one counts as "no pull secrets". A missing
Secret is skipped with a warning Event, as the kubelet does, and the pull goes on.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable

from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.node.pull_credentials import Credential, Keyring, credentials_from_secret

SERVICEACCOUNT, SECRET = resolve("serviceaccounts"), resolve("secrets")
Warn = Callable[[Obj, str, str], None]  # (pod, reason, message)


class PullSecrets:
    def __init__(self, client: RestClient, ttl: float = 10.0, clock=time.monotonic, warn: Warn | None = None) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self.warn = warn
        self._recent: dict[tuple[str, str, str], tuple[float, Obj | None]] = {}

    async def _get(self, kind: str, namespace: str, name: str) -> Obj | None:
        now = self.clock()
        recent = self._recent.get((kind, namespace, name))
        if recent is not None and recent[0] > now:
            return recent[1]
        info = SERVICEACCOUNT if kind == "ServiceAccount" else SECRET
        try:
            obj: Obj | None = await self.client.get(info, name, namespace)
        except ApiError as exc:
            if exc.code != 404:
                raise
            obj = None
        if len(self._recent) > 4096:
            self._recent = {k: v for k, v in self._recent.items() if v[0] > now}
        if obj is not None or kind == "ServiceAccount":  # a created Secret is seen on the next sync
            self._recent[(kind, namespace, name)] = (now + self.ttl, obj)
        return obj

    async def secret_names(self, pod: Obj) -> list[str]:
        """The pod's pull secrets, then its ServiceAccount's, without repeats."""
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        namespace = str(meta.get("namespace") or "default")
        names = [str(ref.get("name", "")) for ref in spec.get("imagePullSecrets") or [] if isinstance(ref, dict)]
        account = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        sa = await self._get("ServiceAccount", namespace, account)
        names += [str(ref.get("name", "")) for ref in (sa or {}).get("imagePullSecrets") or []
                  if isinstance(ref, dict)]
        return list(dict.fromkeys(n for n in names if n))

    async def keyring(self, pod: Obj) -> Keyring:
        namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
        pairs: list[tuple[str, Credential]] = []
        for name in await self.secret_names(pod):
            secret = await self._get("Secret", namespace, name)
            if secret is None:
                if self.warn is not None:
                    self.warn(pod, "FailedToRetrieveImagePullSecret",
                              f'Unable to retrieve some image pull secrets ({name}); attempting to pull the image '
                              f"may not succeed.")
                continue
            data = {}
            for key, value in (secret.get("data") or {}).items():
                try:
                    data[key] = base64.b64decode(value).decode("utf-8", "replace")
                except (binascii.Error, ValueError, TypeError):
                    continue
            data.update({k: str(v) for k, v in (secret.get("stringData") or {}).items()})
            pairs += credentials_from_secret(str(secret.get("type") or ""), data, f"{namespace}/{name}")
        return Keyring(pairs)
