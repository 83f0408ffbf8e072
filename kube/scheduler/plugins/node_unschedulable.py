"""NodeUnschedulable: cordoned nodes (spec.unschedulable) take no new pods unless tolerated."""

from __future__ import annotations

from kube._fast import score_layout as k
from kube.api.tolerations import NO_SCHEDULE, UNSCHEDULABLE, TaintFields
from kube.scheduler.plugin import Plugin
from kube.scheduler.plugins.taint_toleration import parse_tolerations, tolerated

UNSCHEDULABLE_TAINT: TaintFields = (UNSCHEDULABLE, "", NO_SCHEDULE)


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"
    filter_bit = k.F_UNSCHED
    reasons = {k.R_UNSCHED: "node(s) were unschedulable"}

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        tols = parse_tolerations(pod.spec)
        inputs.header[k.P_TOL_UNSCHED] = 1 if tolerated(tols, UNSCHEDULABLE_TAINT) else 0
