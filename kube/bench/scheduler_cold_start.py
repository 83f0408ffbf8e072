"""The scheduler benchmark's cold-start phases: which part of the scheduler each one times.

Both modes time the same pieces of the real scheduler until its first pod is bound:
`node_table` (node callbacks filling the columns), `queue` (pod callbacks: parsing and
queueing), `prepare` (PreFilter/PreScore compiling the pod's kernel inputs),
`bind_columns` (handing the columns to the kernel), `kernel` (its Filter+Score calls),
`first_cycle` (the rest of those scheduling cycles: assume, bind hand-off, metrics); api
mode adds `informer_list` (the Node and Pod lists over HTTP, decoded) and `bind_request`
(the pods/binding round trip). `gc` is the cyclic collector, whichever phase it interrupts.
"""

from __future__ import annotations

from typing import Any

from kube.bench.cold_start import ColdStart
from kube.scheduler.scheduler import Scheduler

PHASES = ("node_table", "queue", "prepare", "bind_columns", "kernel", "first_cycle", "informer_list",
          "bind_request")


class _TimedKernel:
    """The kernel with `schedule` timed: a Cython extension type takes no new attributes."""

    def __init__(self, kernel: Any, cold: ColdStart) -> None:
        self._kernel = kernel
        self.schedule = cold.timed("kernel", kernel.schedule)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kernel, name)


def time_scheduler(cold: ColdStart, sched: Scheduler, callbacks: bool = True) -> None:
    """Time the scheduler's cold-start pieces (undone when `cold` sees its first pod); without
    `callbacks` the caller times the node and pod hand-over itself (one interval, not one per call)."""
    if callbacks:
        cold.patch(sched, "on_node_add", "node_table")
        cold.patch(sched, "on_pod_add", "queue")
    cold.patch(sched, "schedule_one", "first_cycle")
    for fw in sched.frameworks.values():
        cold.patch(fw, "prepare", "prepare")
        cold.patch(fw, "_bind_columns", "bind_columns")
        cold.replace(fw, "kernel", _TimedKernel(fw.kernel, cold))
