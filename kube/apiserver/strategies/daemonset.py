"""DaemonSets and ReplicationControllers: a create resets the status their controller owns,
to the fields Kubernetes' encoder writes for an empty status (the counts are not omitempty)."""

from __future__ import annotations

from typing import ClassVar

from kube.api.meta import Obj
from kube.apiserver.strategies.base import Strategy


class DaemonSetStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                                            "desiredNumberScheduled": 0, "numberReady": 0}


class ReplicationControllerStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {"replicas": 0}
