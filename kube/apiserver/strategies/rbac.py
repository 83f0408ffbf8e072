"""Roles and bindings: escalation prevention before every write (kube/apiserver/rbac/escalation.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kube.api.meta import Obj
from kube.apiserver.rbac.escalation import check_binding, check_role
from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState


class RoleStrategy(Strategy):
    """Role and ClusterRole: the writer must hold the rules, or may escalate."""

    async def admit(self, state: ServerState, obj: Obj, old: Obj | None) -> None:
        if old is None or obj.get("rules") != old.get("rules"):
            check_role(state, obj)


class BindingStrategy(Strategy):
    """RoleBinding and ClusterRoleBinding: the writer must hold the bound role, or may bind it."""

    async def admit(self, state: ServerState, obj: Obj, old: Obj | None) -> None:
        check_binding(state, obj)
