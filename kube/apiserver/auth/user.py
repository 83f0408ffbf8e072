"""Who a request is: the result of authentication, the input of authorization."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

AUTHENTICATED_GROUP = "system:authenticated"
MASTERS_GROUP = "system:masters"
NODES_GROUP = "system:nodes"
READ_ONLY_GROUPS = ("system:read-only", "kube:read-only")
SCHEDULER = "system:kube-scheduler"
CONTROLLER_MANAGER = "system:kube-controller-manager"


Extra = tuple[tuple[str, tuple[str, ...]], ...]  # sorted (key, values): hashable, so a user can key a cache


def extra_of(pairs: Mapping[str, Iterable[str]]) -> Extra:
    return tuple(sorted((k, tuple(v)) for k, v in pairs.items()))


@dataclass(frozen=True)
class UserInfo:
    """As Kubernetes' user.Info: name, uid, groups and extra (what the authenticator knows
    beyond them, e.g. a ServiceAccount token's pod); authorizers may read all four."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Extra = ()

    def extra_map(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.extra}

    def with_authenticated(self) -> UserInfo:
        """Every authenticated user is also in system:authenticated, as in Kubernetes."""
        if AUTHENTICATED_GROUP in self.groups:
            return self
        return replace(self, groups=(*self.groups, AUTHENTICATED_GROUP))
