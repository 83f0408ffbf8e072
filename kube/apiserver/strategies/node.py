"""Node: NodeRestriction on every write by a node's own credentials (kube/apiserver/rbac/node_restriction.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kube.api.meta import Obj
from kube.apiserver.rbac.node_restriction import admit_node
from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState


class NodeStrategy(Strategy):
    async def admit(self, state: ServerState, obj: Obj, old: Obj | None) -> None:
        admit_node(obj, old)
