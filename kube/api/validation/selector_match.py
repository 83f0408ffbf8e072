"""Does a (validated) LabelSelector match a label set?

Prefers kube.api.labels (the shared selector implementation, imported lazily
because it is built alongside); falls back to a minimal evaluator of the
same semantics so validation works on its own.
"""

from __future__ import annotations

from typing import Any


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    try:
        from kube.api.labels import from_label_selector
    except ImportError:
        return _fallback_matches(selector, labels)
    try:
        return bool(from_label_selector(selector).matches(labels))
    except ValueError:
        return False


def _fallback_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, operator, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True
