"""InterPodAffinity: required/preferred pod affinity and anti-affinity over any topology key,
plus the symmetric check: existing pods' required anti-affinity keeps this pod out."""

from __future__ import annotations

from kube._fast import score_layout as k
from kube.scheduler.plugin import Plugin
from kube.scheduler.plugins.pod_affinity_terms import pod_terms, term_selects


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"
    filter_bit = k.F_INTERPOD
    score_index = k.S_INTERPOD
    default_weight = 2
    reasons = {
        k.R_AFF_RULES: "node(s) didn't match pod affinity rules",
        k.R_ANTI_RULES: "node(s) didn't match pod anti-affinity rules",
        k.R_EXIST_ANTI: "node(s) didn't satisfy existing pods anti-affinity rules",
    }

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        table, counts = ctx.table, ctx.counts
        labels = dict(pod.labels)
        spec = pod.spec
        # kube-scheduler's order (the first failing check names the reason): the pod's affinity,
        # its anti-affinity, then existing pods' anti-affinity
        if (spec.get("affinity") or {}).keys() & {"podAffinity", "podAntiAffinity"}:
            self._own_terms(pod, inputs, table, counts, labels)
        for row, topo in counts.anti_against(pod.namespace, pod.labels):
            key = table.key_row.get(topo, -1)
            inputs.add_term(k.K_EXIST_ANTI, key, row, 0, 0, False, _domains(table, key))

    def _own_terms(self, pod, inputs, table, counts, labels) -> None:
        spec = pod.spec
        for kind, req_kind, sign in (("podAffinity", k.K_REQ_AFF, 1), ("podAntiAffinity", k.K_REQ_ANTI, -1)):
            required, preferred = pod_terms(spec, pod.namespace, kind)
            for t in required:
                key = table.key_row.get(t.topology_key, -1)
                if t.selector is None:  # a null selector selects no pod
                    if req_kind == k.K_REQ_AFF:
                        inputs.add_term(req_kind, -1, counts.match_series(frozenset(), ()), 0, 0, False, 0)
                    continue
                row = counts.match_series(t.namespaces, t.selector)
                inputs.add_term(req_kind, key, row, 0, 0, term_selects(t, pod.namespace, labels),
                                _domains(table, key))
            for t in preferred:
                if t.selector is None or not t.weight:
                    continue
                key = table.key_row.get(t.topology_key, -1)
                row = counts.match_series(t.namespaces, t.selector)
                inputs.add_term(k.K_PREF, key, row, sign * t.weight, 0, False, _domains(table, key))


def _domains(table, key: int) -> int:
    return len(table.values[key]) if key >= 0 else 0
