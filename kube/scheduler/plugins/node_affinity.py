"""NodeAffinity (with nodeSelector): required terms filter, preferred terms score.

Requirements become label-id programs for the kernel: In/NotIn over the
interned value ids of a key, Exists/DoesNotExist on the key's column; Gt/Lt
become In over the ids of the key's integer values that compare true, so the
kernel never parses text. matchFields on metadata.name uses the node table's
name pseudo-label.
"""

from __future__ import annotations

from typing import Any

from kube._fast import score_layout as k
from kube.api.errors import bad_request
from kube.scheduler.node_table import NAME_LABEL, NodeTable
from kube.scheduler.plugin import Plugin

OPS = {"In": k.OP_IN, "NotIn": k.OP_NOTIN, "Exists": k.OP_EXISTS, "DoesNotExist": k.OP_DNE}
SUPPORTED = '"DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"'


def requirement(table: NodeTable, key: str, op: str, values: list[Any], where: str) -> list[int]:
    """One NodeSelectorRequirement as [key row, op, n, value ids...]."""
    row = table.key_row.get(key, -1)
    ids = table.values[row] if row >= 0 else {}
    if op in ("Gt", "Lt"):
        if len(values) != 1:
            raise bad_request(f"{where}.values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'")
        try:
            bound = int(str(values[0]))
        except ValueError:
            raise bad_request(f"{where}.values[0]: Invalid value: \"{values[0]}\": must be an integer") from None
        chosen = []
        for text, vid in ids.items():
            try:
                num = int(text)
            except ValueError:
                continue
            if (num > bound) if op == "Gt" else (num < bound):
                chosen.append(vid)
        return [row, k.OP_IN, len(chosen), *chosen]
    if op not in OPS:
        raise bad_request(f'{where}.operator: Unsupported value: "{op}": supported values: {SUPPORTED}')
    vids = [ids[str(v)] for v in values or () if str(v) in ids]
    return [row, OPS[op], len(vids), *vids]


def term(table: NodeTable, t: dict[str, Any] | None, where: str, extra: list[list[int]]) -> list[int]:
    """A NodeSelectorTerm (ANDed requirements) as [n, reqs...]; an empty term matches nothing."""
    reqs = list(extra)
    t = t or {}
    for i, e in enumerate(t.get("matchExpressions") or ()):
        reqs.append(requirement(table, str(e.get("key", "")), e.get("operator"), e.get("values") or [],
                                f"{where}.matchExpressions[{i}]"))
    for i, e in enumerate(t.get("matchFields") or ()):
        if e.get("key") != "metadata.name":
            raise bad_request(f'{where}.matchFields[{i}].key: Unsupported value: "{e.get("key")}": '
                              'supported values: "metadata.name"')
        reqs.append(requirement(table, NAME_LABEL, e.get("operator"), e.get("values") or [],
                                f"{where}.matchFields[{i}]"))
    if len(reqs) == len(extra) and not (t.get("matchExpressions") or t.get("matchFields")):
        reqs.append([-1, k.OP_IN, 0])  # nil/empty term: matches no node
    return [len(reqs), *[x for r in reqs for x in r]]


class NodeAffinity(Plugin):
    name = "NodeAffinity"
    filter_bit = k.F_AFFINITY
    score_index = k.S_AFFINITY
    default_weight = 2
    reasons = {k.R_AFFINITY: "node(s) didn't match Pod's node affinity/selector"}

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        table = ctx.table
        spec = pod.spec
        selector = [requirement(table, str(key), "In", [value], f"spec.nodeSelector[{key}]")
                    for key, value in (spec.get("nodeSelector") or {}).items()]
        na = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        required = na.get("requiredDuringSchedulingIgnoredDuringExecution")
        base = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
        if required is not None:
            terms = required.get("nodeSelectorTerms") or []
            inputs.required = [term(table, t, f"{base}[{i}]", selector) for i, t in enumerate(terms)]
            if not terms:
                inputs.required = [[1, -1, k.OP_IN, 0]]
        elif selector:
            inputs.required = [[len(selector), *[x for r in selector for x in r]]]
        base = "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution"
        for i, p in enumerate(na.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
            weight = int(p.get("weight") or 0)
            if weight:
                inputs.preferred.append((weight, term(table, p.get("preference"), f"{base}[{i}].preference", [])))
