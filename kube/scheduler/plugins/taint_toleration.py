"""TaintToleration: untolerated NoSchedule/NoExecute taints exclude a node;
untolerated PreferNoSchedule taints lower its score (fewer is better).

The node table keeps each distinct taint as a (key, value, effect) tuple, so pods'
tolerations are read once into field tuples and matched by kube.api.tolerations.
"""

from __future__ import annotations

from typing import Any

from kube._fast import score_layout as k
from kube.api.errors import bad_request
from kube.api.tolerations import (
    EQUAL,
    OPERATORS,
    PREFER_NO_SCHEDULE,
    TaintFields,
    TolerationFields,
    tolerates_fields,
    toleration_fields,
)
from kube.scheduler.plugin import Plugin
from kube.scheduler.pod_inputs import as_int64


def parse_tolerations(spec: dict[str, Any]) -> list[TolerationFields]:
    """The pod's tolerations as field tuples; an unknown operator is a 400 naming the field."""
    out = []
    for i, t in enumerate(spec.get("tolerations") or ()):
        key, op, value, effect = toleration_fields(t)
        op = op or EQUAL
        if op not in OPERATORS:
            raise bad_request(f'spec.tolerations[{i}].operator: Unsupported value: "{op}": '
                              'supported values: "Equal", "Exists"')
        out.append((key, op, value, effect))
    return out


def tolerated(tolerations: list[TolerationFields], taint: TaintFields) -> bool:
    return any(tolerates_fields(t, taint) for t in tolerations)


class TaintToleration(Plugin):
    name = "TaintToleration"
    filter_bit = k.F_TAINT
    score_index = k.S_TAINT
    default_weight = 3

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        tols = parse_tolerations(pod.spec)
        # scoring only considers tolerations that could apply to PreferNoSchedule
        soft_tols = [t for t in tols if t[3] in ("", PREFER_NO_SCHEDULE)]
        hard = soft = 0
        for bit, taint in enumerate(ctx.table.taints_by_bit):
            if taint[2] == PREFER_NO_SCHEDULE:
                if not tolerated(soft_tols, taint):
                    soft |= 1 << bit
            elif not tolerated(tols, taint):
                hard |= 1 << bit
        inputs.header[k.P_HARD_TAINTS] = as_int64(hard)
        inputs.header[k.P_SOFT_TAINTS] = as_int64(soft)


def taint_reason(taint: TaintFields) -> str:
    return f"node(s) had untolerated taint {{{taint[0]}: {taint[1]}}}"
