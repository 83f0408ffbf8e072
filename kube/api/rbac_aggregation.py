"""ClusterRole aggregation: the rules of an aggregated role are the union of the rules of every
ClusterRole its `aggregationRule.clusterRoleSelectors` match (Kubernetes' clusterroleaggregation
controller). One home for the rule, used by that controller and by the API server's bootstrap
(so `admin`, `edit` and `view` hold their rules from the first request)."""

from __future__ import annotations

from collections.abc import Iterable

from kube.api.labels import SelectorError, from_label_selector
from kube.api.meta import Obj


def aggregated_rules(role: Obj, roles: Iterable[Obj]) -> list[Obj] | None:
    """The rules `role` should hold, in Kubernetes' order (by matching role name, first
    occurrence of each rule kept); None when it has no aggregationRule."""
    agg = role.get("aggregationRule")
    if not isinstance(agg, dict):
        return None
    selectors = []
    for raw in agg.get("clusterRoleSelectors") or ():
        try:
            selectors.append(from_label_selector(raw))
        except SelectorError:
            continue
    name = (role.get("metadata") or {}).get("name")
    rules: list[Obj] = []
    for other in sorted(roles, key=lambda r: (r.get("metadata") or {}).get("name", "")):
        meta = other.get("metadata") or {}
        if meta.get("name") == name:
            continue
        labels = meta.get("labels") or {}
        if not any(not s.empty() and s.matches(labels) for s in selectors):
            continue
        for rule in other.get("rules") or ():
            if rule not in rules:
                rules.append(rule)
    return rules
