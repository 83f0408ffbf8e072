"""The plugin interface, in the shape of kube-scheduler's extension points.

Built-in plugins run their Filter and Score inside the `score` kernel: their
`pre_filter` (PreFilter + PreScore) compiles the pod into kernel inputs, and
they name the kernel filter bit / score slot they own. A plugin without a
kernel slot may instead implement `filter`/`score` in Python; the framework
then runs them on the nodes the kernel found feasible (slower, but open).
Inputs are prepared once per pod shape, so `pre_filter` must depend only on
the pod's shape and the node table (whose `gen` invalidates the cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from kube.scheduler.cycle_state import CycleState
from kube.scheduler.node_table import NodeTable
from kube.scheduler.pod_counts import PodCounts
from kube.scheduler.pod_info import PodInfo
from kube.scheduler.pod_inputs import PodInputs


@dataclass
class PrepareContext:
    table: NodeTable
    counts: PodCounts


class Plugin:
    name: ClassVar[str] = ""
    filter_bit: ClassVar[int] = 0  # kernel filter this plugin enables (0: none)
    score_index: ClassVar[int] = -1  # kernel score slot (-1: none)
    default_weight: ClassVar[int] = 0
    reasons: ClassVar[dict[int, str]] = {}  # kernel reason code -> FailedScheduling text
    strategy: int | None = None  # the kernel's resource scoring strategy, set by the plugin owning it

    def __init__(self, args: dict[str, Any] | None = None) -> None:
        self.args = args or {}

    # PreFilter + PreScore: fill the kernel inputs for this pod shape
    def pre_filter(self, state: CycleState, pod: PodInfo, inputs: PodInputs, ctx: PrepareContext) -> None:
        return None

    # Python-side Filter / Score for plugins without a kernel slot
    def filter(self, state: CycleState, pod: PodInfo, node: str) -> str | None:
        """None when the node fits, else the reason text."""
        return None

    def score(self, state: CycleState, pod: PodInfo, node: str) -> int:
        return 0

    # PostFilter: called when no node fits (preemption would live here)
    def post_filter(self, state: CycleState, pod: PodInfo, reasons: dict[str, int]) -> str | None:
        return None

    # Reserve / Unreserve around the assume; Bind is the scheduler's binder
    def reserve(self, state: CycleState, pod: PodInfo, node: str) -> None:
        return None

    def unreserve(self, state: CycleState, pod: PodInfo, node: str) -> None:
        return None

    @property
    def has_python_filter(self) -> bool:
        return type(self).filter is not Plugin.filter

    @property
    def has_python_score(self) -> bool:
        return type(self).score is not Plugin.score
