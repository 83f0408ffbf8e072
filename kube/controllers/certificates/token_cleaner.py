"""tokencleaner: expired bootstrap tokens are deleted, as Kubernetes' pkg/controller/bootstrap
TokenCleaner. A token Secret whose expiration does not parse counts as expired; one that has not
expired is looked at again when it does. The delete carries the Secret's uid as a precondition,
so a token re-created under the same name meanwhile is left alone."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime

from kube.api import bootstrap_token as bt
from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.client.errors import ApiError
from kube.controllers.loop import ControllerLoop, obj_key

log = logging.getLogger("kube.controllers.tokencleaner")
SECRET = by_gvk("", "v1", "Secret")
assert SECRET is not None


def seconds_left(secret: Obj, now: datetime) -> float | None:
    """0 when the token must go now, the seconds until it expires, or None (not a token, or forever)."""
    if secret.get("type") != bt.SECRET_TYPE:
        return None
    data = bt.data_of(secret)
    if bt.has_expired(data, now):
        return 0.0
    when = bt.expiration_of(data)
    return None if when is None else (when - now).total_seconds()


class TokenCleaner(ControllerLoop):
    name = "tokencleaner"

    def setup(self) -> None:
        self.secrets = self.ctx.factory.informer_for(SECRET, namespace=bt.NAMESPACE)
        self.secrets.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)))

    async def sync(self, key: Hashable) -> float | None:
        secret = self.secrets.store.get(str(key))
        if secret is None:
            return None
        left = seconds_left(secret, self.ctx.now())
        if left is None or left > 0:
            return left
        meta = secret.get("metadata") or {}
        try:
            await self.ctx.client.delete(SECRET, meta.get("name", ""), bt.NAMESPACE,
                                         preconditions={"uid": meta["uid"]} if meta.get("uid") else None)
        except ApiError as exc:
            if exc.code not in (404, 409):
                raise
            return None
        log.info("tokencleaner: deleted expired bootstrap token %s", key)
        return None
