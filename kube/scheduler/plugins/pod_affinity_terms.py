"""PodAffinityTerm parsing shared by InterPodAffinity and the pod counts.

A term selects pods (labelSelector) in some namespaces (the pod's own by
default, `namespaces`, or all with an empty `namespaceSelector`) and names a
topology key; the scheduler counts matching pods per node and the kernel
folds those counts into domains of that key.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kube.api.errors import bad_request
from kube.scheduler.label_selector import SelectorKey, matches, selector_key
from kube.scheduler.pod_counts import AntiTerm, Namespaces

BASE = "spec.affinity"


class PodTerm(NamedTuple):
    namespaces: Namespaces
    selector: SelectorKey | None
    topology_key: str
    weight: int  # preferred terms; 0 for required


def _term(t: dict[str, Any], namespace: str, where: str, weight: int) -> PodTerm:
    topo = t.get("topologyKey")
    if not topo:
        raise bad_request(f"{where}.topologyKey: Required value: can not be empty")
    ns_sel = t.get("namespaceSelector")
    listed = t.get("namespaces") or []
    if ns_sel is not None and (ns_sel.get("matchLabels") or ns_sel.get("matchExpressions")):
        raise bad_request(f"{where}.namespaceSelector: Unsupported value: only an empty selector (all namespaces) is supported")
    namespaces: Namespaces = None if ns_sel is not None else frozenset(listed or [namespace])
    return PodTerm(namespaces, selector_key(t.get("labelSelector"), f"{where}.labelSelector"), str(topo), weight)


def pod_terms(spec: dict[str, Any], namespace: str, kind: str) -> tuple[list[PodTerm], list[PodTerm]]:
    """(required, preferred) terms of `podAffinity` or `podAntiAffinity`."""
    block = (spec.get("affinity") or {}).get(kind) or {}
    where = f"{BASE}.{kind}"
    required = [
        _term(t, namespace, f"{where}.requiredDuringSchedulingIgnoredDuringExecution[{i}]", 0)
        for i, t in enumerate(block.get("requiredDuringSchedulingIgnoredDuringExecution") or ())
    ]
    preferred = []
    for i, p in enumerate(block.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
        w = f"{where}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
        preferred.append(_term(p.get("podAffinityTerm") or {}, namespace, f"{w}.podAffinityTerm", int(p.get("weight") or 0)))
    return required, preferred


def anti_terms(spec: dict[str, Any], namespace: str) -> tuple[AntiTerm, ...]:
    """The pod's required anti-affinity terms, as counted for the symmetric check."""
    if not (spec.get("affinity") or {}).get("podAntiAffinity"):
        return ()
    required, _ = pod_terms(spec, namespace, "podAntiAffinity")
    return tuple((t.namespaces, t.selector, t.topology_key) for t in required if t.selector is not None)


def term_selects(term: PodTerm, namespace: str, labels: dict[str, str]) -> bool:
    return (term.namespaces is None or namespace in term.namespaces) and matches(term.selector, labels)
