"""Deployments, ReplicaSets and PodDisruptionBudgets: a create resets the status their controller owns.

The three differ from the default only there, so they share this module rather
than three of a few lines each.
"""

from __future__ import annotations

from typing import ClassVar

from kube.api.meta import Obj
from kube.apiserver.strategies.base import Strategy


class DeploymentStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {}


class ReplicaSetStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {}


class PodDisruptionBudgetStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                                            "expectedPods": 0}
