"""NodeUnschedulable: cordoned nodes (spec.unschedulable) take no new pods unless tolerated."""

from __future__ import annotations

from kube._fast import score_py as k
from kube.scheduler.plugin import Plugin
from kube.scheduler.plugins.tolerations import parse_tolerations, tolerates

UNSCHEDULABLE_TAINT = ("node.kubernetes.io/unschedulable", "", "NoSchedule")


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"
    filter_bit = k.F_UNSCHED
    reasons = {k.R_UNSCHED: "node(s) were unschedulable"}

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        tols = parse_tolerations(pod.spec)
        inputs.header[k.P_TOL_UNSCHED] = 1 if any(tolerates(t, UNSCHEDULABLE_TAINT) for t in tols) else 0
