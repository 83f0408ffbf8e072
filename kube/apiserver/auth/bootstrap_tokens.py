"""The bootstrap token authenticator (Kubernetes' plugin/pkg/auth/authenticator/token/bootstrap):
`Authorization: Bearer <id>.<secret>` is `system:bootstrap:<id>` in `system:bootstrappers` (and
the token's auth-extra-groups) while its kube-system Secret `bootstrap-token-<id>` has that
secret (compared in constant time), is not being deleted, has not expired and carries
usage-bootstrap-authentication: "true".

The Secret is read from the API server's watch cache (`lookup`, as ServiceAccount tokens check
their bound objects), so no request costs a store read and a deleted token stops working as
soon as the cache sees the delete. Anything else is "not this authenticator's token" (None).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from kube.api import bootstrap_token as bt
from kube.apiserver.auth.user import UserInfo

# (resource plural, namespace, name) -> the object as the watch cache holds it, or None
Lookup = Callable[[str, str, str], dict[str, Any] | None]


class BootstrapTokens:
    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup

    def authenticate(self, token: str) -> UserInfo | None:
        parsed = bt.parse_token(token)
        if parsed is None:
            return None
        token_id, token_secret = parsed
        secret = self.lookup("secrets", bt.NAMESPACE, bt.secret_name(token_id))
        if not isinstance(secret, dict) or (secret.get("metadata") or {}).get("deletionTimestamp"):
            return None
        if secret.get("type") != bt.SECRET_TYPE:
            return None
        data = bt.data_of(secret)
        if not hmac.compare_digest(data.get(bt.SECRET_KEY, "").encode(), token_secret.encode()):
            return None
        if data.get(bt.ID_KEY) != token_id or bt.has_expired(data):
            return None
        if data.get(bt.USAGE_PREFIX + "authentication") != "true":
            return None
        groups = bt.groups_of(data)
        if groups is None:
            return None
        return UserInfo(bt.USER_PREFIX + token_id, tuple(groups))
