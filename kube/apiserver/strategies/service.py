"""Services: ClusterIP and NodePorts are allocated before the write and released after the delete.

The allocators (`kube/apiserver/allocators/`) claim each IP and port as a store
key; this strategy only says when: before a create (undone if the create then
fails), on every update (ports added or dropped, type changed), after a delete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from kube.api.meta import Obj
from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState


class ServiceStrategy(Strategy):
    returns_deleted_object: ClassVar[bool] = True
    initial_status: ClassVar[Obj | None] = {"loadBalancer": {}}

    async def before_create(self, state: ServerState, obj: Obj) -> Obj:
        return await state.allocators.allocate(obj)

    async def undo_create(self, state: ServerState, obj: Obj) -> None:
        await state.allocators.release(obj)

    async def before_update(self, state: ServerState, old: Obj, new: Obj) -> Obj:
        return await state.allocators.update(old, new)

    async def after_delete(self, state: ServerState, obj: Obj) -> None:
        await state.allocators.release(obj)
