"""Taints and tolerations as the taint-based eviction needs them.

Every pod is read as if it carried Kubernetes' default tolerations (the
DefaultTolerationSeconds admission plug-in adds not-ready and unreachable, NoExecute,
300 s, to pods that have none for them), so pods from any API server behave alike.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


def tolerates(toleration: Obj, taint: Obj) -> bool:
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or "Equal"
    if not key:
        return operator == "Exists"
    if key != taint.get("key"):
        return False
    return operator == "Exists" or (toleration.get("value") or "") == (taint.get("value") or "")


def effective_tolerations(pod: Obj, default_seconds: int = DEFAULT_TOLERATION_SECONDS) -> list[Obj]:
    """The pod's tolerations plus the admission defaults it lacks."""
    own = [t for t in (pod.get("spec") or {}).get("tolerations") or [] if isinstance(t, dict)]
    result = list(own)
    for key in (NOT_READY, UNREACHABLE):
        probe = {"key": key, "effect": "NoExecute"}
        if not any(tolerates(t, probe) for t in own):
            result.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                           "tolerationSeconds": default_seconds})
    return result


def eviction_delay(pod: Obj, taints: list[Obj], default_seconds: int = DEFAULT_TOLERATION_SECONDS) -> float | None:
    """Seconds a pod may stay under these NoExecute taints: 0 when one is not tolerated,
    None when all are tolerated forever, else the smallest tolerationSeconds."""
    tolerations = effective_tolerations(pod, default_seconds)
    delay: float | None = None
    for taint in taints:
        if taint.get("effect") != "NoExecute":
            continue
        matching = [t for t in tolerations if tolerates(t, taint)]
        if not matching:
            return 0.0
        bounded = [float(max(int(t["tolerationSeconds"]), 0)) for t in matching
                   if isinstance(t.get("tolerationSeconds"), int)]
        if len(bounded) < len(matching):
            continue  # some toleration holds forever
        delay = min(bounded) if delay is None else min(delay, min(bounded))
    return delay
