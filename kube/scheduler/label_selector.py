"""Pod label selectors (metav1.LabelSelector) as hashable, compiled matchers.

Affinity terms and spread constraints refer to pods through selectors; the
scheduler keeps a count series per distinct selector, so a selector needs a
canonical key (equal selectors share one series) and a fast `matches`.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import StatusError, bad_request

Requirement = tuple[str, str, tuple[str, ...]]  # (key, operator, sorted values)
SelectorKey = tuple[Requirement, ...]

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def selector_key(selector: dict[str, Any] | None, where: str) -> SelectorKey | None:
    """Canonical form of a selector; None for a null selector (matches nothing).

    Raises a StatusError (400) naming the field for an unknown operator.
    """
    if selector is None:
        return None
    if not isinstance(selector, dict):
        raise bad_request(f"{where}: must be an object")
    reqs: list[Requirement] = []
    for k, v in sorted((selector.get("matchLabels") or {}).items()):
        reqs.append((k, "In", (str(v),)))
    for i, expr in enumerate(selector.get("matchExpressions") or ()):
        op = expr.get("operator")
        if op not in OPERATORS:
            raise bad_request(
                f'{where}.matchExpressions[{i}].operator: Unsupported value: "{op}": '
                'supported values: "In", "NotIn", "Exists", "DoesNotExist"')
        values = tuple(sorted(str(v) for v in expr.get("values") or ()))
        reqs.append((str(expr.get("key", "")), op, values))
    return tuple(sorted(reqs))


def matches(key: SelectorKey | None, labels: dict[str, str]) -> bool:
    """True when labels satisfy every requirement (an empty selector matches all)."""
    if key is None:
        return False
    for k, op, values in key:
        if op == "In":
            if labels.get(k) not in values:
                return False
        elif op == "NotIn":
            if k in labels and labels[k] in values:
                return False
        elif op == "Exists":
            if k not in labels:
                return False
        elif k in labels:  # DoesNotExist
            return False
    return True


__all__ = ["SelectorKey", "selector_key", "matches", "StatusError"]
