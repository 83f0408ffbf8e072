"""NodeResourcesFit: requests vs allocatable cpu, memory and pod count;
scores LeastAllocated (default, spreads load) or MostAllocated (packs)."""

from __future__ import annotations

from kube._fast import score_layout as k
from kube.api.errors import bad_request
from kube.scheduler.plugin import Plugin
from kube.scheduler.resources import pod_requests

STRATEGIES = {"LeastAllocated": k.STRATEGY_LEAST, "MostAllocated": k.STRATEGY_MOST}


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"
    filter_bit = k.F_FIT
    score_index = k.S_FIT
    default_weight = 1
    reasons = {
        k.R_FIT | k.FIT_CPU: "Insufficient cpu",
        k.R_FIT | k.FIT_MEM: "Insufficient memory",
        k.R_FIT | k.FIT_PODS: "Too many pods",
    }

    def __init__(self, args=None) -> None:
        super().__init__(args)
        kind = ((self.args.get("scoringStrategy") or {}).get("type")) or "LeastAllocated"
        if kind not in STRATEGIES:
            raise bad_request(f'NodeResourcesFit: scoringStrategy.type: Unsupported value: "{kind}": '
                              'supported values: "LeastAllocated", "MostAllocated"')
        self.strategy = STRATEGIES[kind]

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        req = pod_requests(pod.spec)
        h = inputs.header
        h[k.P_CPU], h[k.P_MEM], h[k.P_NZ_CPU], h[k.P_NZ_MEM] = req


def fit_reasons(code: int) -> list[str]:
    """A node can lack several resources at once; each is its own reason, as in Kubernetes."""
    return [NodeResourcesFit.reasons[k.R_FIT | b] for b in (k.FIT_CPU, k.FIT_MEM, k.FIT_PODS) if code & b]
