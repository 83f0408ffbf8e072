"""Defaults of flowcontrol.apiserver.k8s.io/v1 (pkg/apis/flowcontrol/v1/defaults.go): a FlowSchema's
matchingPrecedence 1000; a limited level's nominalConcurrencyShares 30 and lendablePercent 0, an
exempt level's both 0; queuing 64 queues, hand size 8, queue length limit 50."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.setters import child_dict, default_pointer

MATCHING_PRECEDENCE = 1000
NOMINAL_CONCURRENCY_SHARES = 30
QUEUES, HAND_SIZE, QUEUE_LENGTH_LIMIT = 64, 8, 50


def _default_zero(target: dict[str, Any], key: str, value: int) -> None:
    """A Go int32 (not a pointer): 0, absent or null all mean unset."""
    current = target.get(key)
    if current is None or (current == 0 and not isinstance(current, bool)):
        target[key] = value


def default_flow_schema(fs: dict[str, Any]) -> None:
    spec = child_dict(fs, "spec")
    if spec is not None:
        _default_zero(spec, "matchingPrecedence", MATCHING_PRECEDENCE)


def default_priority_level_configuration(pl: dict[str, Any]) -> None:
    spec = child_dict(pl, "spec")
    if spec is None:
        return
    exempt = child_dict(spec, "exempt")
    if exempt is not None:
        default_pointer(exempt, "nominalConcurrencyShares", 0)
        default_pointer(exempt, "lendablePercent", 0)
    limited = child_dict(spec, "limited")
    if limited is None:
        return
    default_pointer(limited, "nominalConcurrencyShares", NOMINAL_CONCURRENCY_SHARES)
    default_pointer(limited, "lendablePercent", 0)
    response = child_dict(limited, "limitResponse")
    queuing = child_dict(response, "queuing") if response is not None else None
    if queuing is not None:
        _default_zero(queuing, "queues", QUEUES)
        _default_zero(queuing, "handSize", HAND_SIZE)
        _default_zero(queuing, "queueLengthLimit", QUEUE_LENGTH_LIMIT)
