"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory use stay even."""

from __future__ import annotations

from kube._fast import score_layout as k
from kube.scheduler.plugin import Plugin
from kube.scheduler.resources import pod_requests


class BalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"
    score_index = k.S_BALANCED
    default_weight = 1

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        h = inputs.header
        if not h[k.P_NZ_CPU]:  # NodeResourcesFit may be disabled; the kernel needs the requests
            req = pod_requests(pod.spec)
            h[k.P_NZ_CPU], h[k.P_NZ_MEM] = req.nz_cpu, req.nz_memory
