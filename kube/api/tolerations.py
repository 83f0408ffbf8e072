"""Taints and tolerations: core/v1 `Toleration.ToleratesTaint`, the one matcher every component uses.

The rules are Kubernetes' exactly, including for tolerations validation keeps out of
stored objects (an empty key with Equal, an unknown operator), so the scheduler and
the taint-based eviction judge any pod alike:

- an empty effect matches every effect, else the effects must be equal;
- an empty key matches every key, else the keys must be equal;
- `Exists` matches any value; `Equal` (also a missing operator) needs equal values;
- any other operator matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

EQUAL, EXISTS = "Equal", "Exists"
OPERATORS = (EQUAL, EXISTS)
NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "PreferNoSchedule", "NoExecute"
EFFECTS = (NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE)

# well-known taints (core/v1 well_known_taints.go)
NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"

TolerationFields = tuple[str, str, str, str]  # key, operator, value, effect
TaintFields = tuple[str, str, str]  # key, value, effect


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def toleration_fields(toleration: Mapping[str, Any]) -> TolerationFields:
    """(key, operator, value, effect) of a toleration; a missing field reads as ""."""
    return (_text(toleration.get("key")), _text(toleration.get("operator")), _text(toleration.get("value")),
            _text(toleration.get("effect")))


def taint_fields(taint: Mapping[str, Any]) -> TaintFields:
    """(key, value, effect) of a taint; a missing field reads as ""."""
    return _text(taint.get("key")), _text(taint.get("value")), _text(taint.get("effect"))


def tolerates_fields(toleration: TolerationFields, taint: TaintFields) -> bool:
    """ToleratesTaint on field tuples (the form the scheduler keeps its node taints in)."""
    key, operator, value, effect = toleration
    taint_key, taint_value, taint_effect = taint
    if effect and effect != taint_effect:
        return False
    if key and key != taint_key:
        return False
    if operator == EXISTS:
        return True
    if operator in ("", EQUAL):
        return value == taint_value
    return False


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """Whether one toleration (a core/v1 Toleration dict) tolerates one taint."""
    return tolerates_fields(toleration_fields(toleration), taint_fields(taint))


def tolerates_taint(tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    """Whether any of the tolerations tolerates the taint (TolerationsTolerateTaint)."""
    fields = taint_fields(taint)
    return any(tolerates_fields(toleration_fields(t), fields) for t in tolerations)
