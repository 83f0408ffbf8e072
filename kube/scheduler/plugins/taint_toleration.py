"""TaintToleration: untolerated NoSchedule/NoExecute taints exclude a node;
untolerated PreferNoSchedule taints lower its score (fewer is better)."""

from __future__ import annotations

from kube._fast import score_py as k
from kube.scheduler.plugin import Plugin
from kube.scheduler.plugins.tolerations import parse_tolerations, tolerates
from kube.scheduler.pod_inputs import as_int64


class TaintToleration(Plugin):
    name = "TaintToleration"
    filter_bit = k.F_TAINT
    score_index = k.S_TAINT
    default_weight = 3

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        tols = parse_tolerations(pod.spec)
        # scoring only considers tolerations that could apply to PreferNoSchedule
        soft_tols = [t for t in tols if t[3] in ("", "PreferNoSchedule")]
        hard = soft = 0
        for bit, taint in enumerate(ctx.table.taints_by_bit):
            if taint[2] == "PreferNoSchedule":
                if not any(tolerates(t, taint) for t in soft_tols):
                    soft |= 1 << bit
            elif not any(tolerates(t, taint) for t in tols):
                hard |= 1 << bit
        inputs.header[k.P_HARD_TAINTS] = as_int64(hard)
        inputs.header[k.P_SOFT_TAINTS] = as_int64(soft)


def taint_reason(taint: tuple[str, str, str]) -> str:
    return f"node(s) had untolerated taint {{{taint[0]}: {taint[1]}}}"
