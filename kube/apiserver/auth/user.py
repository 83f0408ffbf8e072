"""Who a request is: the result of authentication, the input of authorization."""

from __future__ import annotations

from dataclasses import dataclass

AUTHENTICATED_GROUP = "system:authenticated"
MASTERS_GROUP = "system:masters"
NODES_GROUP = "system:nodes"
READ_ONLY_GROUPS = ("system:read-only", "kube:read-only")
SCHEDULER = "system:kube-scheduler"
CONTROLLER_MANAGER = "system:kube-controller-manager"


@dataclass(frozen=True)
class UserInfo:
    name: str
    groups: tuple[str, ...] = ()

    def with_authenticated(self) -> UserInfo:
        """Every authenticated user is also in system:authenticated, as in Kubernetes."""
        if AUTHENTICATED_GROUP in self.groups:
            return self
        return UserInfo(self.name, (*self.groups, AUTHENTICATED_GROUP))
