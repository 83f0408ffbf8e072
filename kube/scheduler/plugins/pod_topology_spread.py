"""PodTopologySpread: keep matching pods within maxSkew across the domains of a key.

DoNotSchedule constraints filter (a node without the key is excluded;
fewer eligible domains than minDomains makes the global minimum 0);
ScheduleAnyway constraints score (fewer matching pods in the node's domain is
better). Counting honours the pod's node affinity (nodeAffinityPolicy: Honor).
"""

from __future__ import annotations

from kube._fast import score_layout as k
from kube.api.errors import bad_request
from kube.api.labels import Selector
from kube.scheduler.label_selector import matches, selector_key
from kube.scheduler.plugin import Plugin


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"
    filter_bit = k.F_SPREAD
    score_index = k.S_SPREAD
    default_weight = 2
    reasons = {
        k.R_SPREAD: "node(s) didn't match pod topology spread constraints",
        k.R_SPREAD_MISSING: "node(s) didn't match pod topology spread constraints (missing required label)",
    }

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        table, counts = ctx.table, ctx.counts
        labels = dict(pod.labels)
        for i, c in enumerate(pod.spec.get("topologySpreadConstraints") or ()):
            where = f"spec.topologySpreadConstraints[{i}]"
            skew = c.get("maxSkew")
            if not isinstance(skew, int) or skew < 1:
                raise bad_request(f"{where}.maxSkew: Invalid value: {skew}: must be greater than zero")
            topo = c.get("topologyKey")
            if not topo:
                raise bad_request(f"{where}.topologyKey: Required value: can not be empty")
            when = c.get("whenUnsatisfiable")
            if when not in ("DoNotSchedule", "ScheduleAnyway"):
                raise bad_request(f'{where}.whenUnsatisfiable: Unsupported value: "{when}": '
                                  'supported values: "DoNotSchedule", "ScheduleAnyway"')
            min_domains = int(c.get("minDomains") or 1)
            sel = selector_key(c.get("labelSelector"), f"{where}.labelSelector")
            if sel is None:
                sel = Selector.nothing()  # a null selector matches no pod: counts stay 0
            row = counts.match_series(frozenset([pod.namespace]), sel)
            key = table.key_row.get(str(topo), -1)
            kind = k.K_SPREAD_HARD if when == "DoNotSchedule" else k.K_SPREAD_SOFT
            inputs.add_term(kind, key, row, skew, min_domains, matches(sel, labels),
                            len(table.values[key]) if key >= 0 else 0)
