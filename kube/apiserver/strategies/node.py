"""Node: NodeRestriction on every write by a node's own credentials (kube/apiserver/rbac/node_restriction.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kube.api.meta import Obj
from kube.apiserver.rbac.node_restriction import admit_node
from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState


class NodeStrategy(Strategy):
    async def before_create(self, state: ServerState, obj: Obj) -> Obj:
        admit_node(obj, None)
        return obj

    async def before_update(self, state: ServerState, old: Obj, new: Obj) -> Obj:
        admit_node(new, old)
        return new
