"""Leases (coordination.k8s.io): a PUT may create one, as leader election and node heartbeats
expect; a node writes only its own (NodeRestriction, kube/apiserver/rbac/node_restriction.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from kube.api.meta import Obj
from kube.apiserver.rbac.node_restriction import admit_lease
from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState


class LeaseStrategy(Strategy):
    allow_create_on_update: ClassVar[bool] = True

    async def admit(self, state: ServerState, obj: Obj, old: Obj | None) -> None:
        admit_lease(obj)
