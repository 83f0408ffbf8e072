"""FailedScheduling text, worded as kube-scheduler's FitError:

    0/5000 nodes are available: 1000 node(s) didn't match Pod's node affinity/selector, 4000 Insufficient cpu.

Each node contributes the reason(s) of the first filter it failed; reasons
are counted and the "<count> <reason>" strings sorted, as kube-scheduler does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from kube._fast import score_layout as k
from kube.scheduler.plugin import Plugin
from kube.scheduler.plugins.node_resources_fit import fit_reasons
from kube.scheduler.plugins.taint_toleration import taint_reason

NO_NODES = "no nodes available to schedule pods"


def reason_histogram(codes: Iterable[int], plugins: list[Plugin], taints: list[tuple[str, str, str]]) -> Counter:
    texts: dict[int, str] = {}
    for p in plugins:
        texts.update(p.reasons)
    by_code = Counter(codes)
    out: Counter = Counter()
    for code, n in by_code.items():
        if code in (k.R_OK, k.R_DEAD):
            continue
        if code >= k.R_TAINT:
            out[taint_reason(taints[code - k.R_TAINT])] += n
        elif code & ~(k.FIT_CPU | k.FIT_MEM | k.FIT_PODS) == k.R_FIT:
            for text in fit_reasons(code):
                out[text] += n
        else:
            out[texts.get(code, f"node(s) failed filter {code}")] += n
    return out


def fit_message(total_nodes: int, reasons: Counter) -> str:
    if total_nodes == 0:
        return NO_NODES
    parts = sorted(f"{n} {text}" for text, n in reasons.items())
    return f"0/{total_nodes} nodes are available: " + ", ".join(parts) + "."
