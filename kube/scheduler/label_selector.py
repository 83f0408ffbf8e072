"""Pod label selectors (metav1.LabelSelector) for affinity terms and spread constraints.

The scheduler keeps a count series per distinct selector, so a selector needs a
canonical, hashable key (equal selectors share one series) and a fast `matches`:
both are kube.api.labels' `Selector`, the one evaluator; this module only turns its
errors into a 400 that names the pod's field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube.api.errors import bad_request
from kube.api.labels import Selector, SelectorError, from_label_selector

SelectorKey = Selector
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def selector_key(selector: dict[str, Any] | None, where: str) -> SelectorKey | None:
    """The selector's canonical form; None for a null selector (it matches nothing).

    Raises a StatusError (400) naming the field for an unknown operator or a bad key or value.
    """
    if selector is None:
        return None
    if not isinstance(selector, dict):
        raise bad_request(f"{where}: must be an object")
    for i, expr in enumerate(selector.get("matchExpressions") or ()):
        op = expr.get("operator") if isinstance(expr, dict) else None
        if op not in OPERATORS:
            raise bad_request(
                f'{where}.matchExpressions[{i}].operator: Unsupported value: "{op}": '
                'supported values: "In", "NotIn", "Exists", "DoesNotExist"')
    try:
        return from_label_selector(selector)
    except SelectorError as exc:
        raise bad_request(f"{where}: {exc}") from None


def matches(key: SelectorKey | None, labels: Mapping[str, str]) -> bool:
    """True when labels satisfy every requirement (an empty selector matches all, None nothing)."""
    return key is not None and key.matches(labels)
