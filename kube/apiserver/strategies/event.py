"""Events: written under a store lease so they expire (Kubernetes' --event-ttl), and PUT may create one."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState


class EventStrategy(Strategy):
    allow_create_on_update: ClassVar[bool] = True

    async def lease(self, state: ServerState) -> int:
        return await state.event_leases.lease()
