"""NodeName: a pod that names its node (spec.nodeName) fits only there."""

from __future__ import annotations

from kube._fast import score_layout as k
from kube.scheduler.plugin import Plugin


class NodeName(Plugin):
    name = "NodeName"
    filter_bit = k.F_NODENAME
    reasons = {k.R_NODENAME: "node(s) didn't match the requested node name"}

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        wanted = pod.spec.get("nodeName")
        if wanted:
            slot = ctx.table.index.get(wanted)
            inputs.header[k.P_NODE] = -2 if slot is None else slot
