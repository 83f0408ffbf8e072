"""How long a pod may stay on a node under NoExecute taints (the taint-based eviction).

Every pod is read as if it carried Kubernetes' default tolerations (the
DefaultTolerationSeconds admission plug-in adds not-ready and unreachable, NoExecute,
300 s, to pods that have none for them), so pods from any API server behave alike.
Matching a toleration to a taint is kube.api.tolerations' one rule.
"""

from __future__ import annotations

from kube.api.meta import Obj
from kube.api.tolerations import EXISTS, NO_EXECUTE, NOT_READY, UNREACHABLE, tolerates, tolerates_taint

DEFAULT_TOLERATION_SECONDS = 300


def effective_tolerations(pod: Obj, default_seconds: int = DEFAULT_TOLERATION_SECONDS) -> list[Obj]:
    """The pod's tolerations plus the admission defaults it lacks."""
    own = [t for t in (pod.get("spec") or {}).get("tolerations") or [] if isinstance(t, dict)]
    result = list(own)
    for key in (NOT_READY, UNREACHABLE):
        if not tolerates_taint(own, {"key": key, "effect": NO_EXECUTE}):
            result.append({"key": key, "operator": EXISTS, "effect": NO_EXECUTE,
                           "tolerationSeconds": default_seconds})
    return result


def eviction_delay(pod: Obj, taints: list[Obj], default_seconds: int = DEFAULT_TOLERATION_SECONDS) -> float | None:
    """Seconds a pod may stay under these NoExecute taints: 0 when one is not tolerated,
    None when all are tolerated forever, else the smallest tolerationSeconds."""
    tolerations = effective_tolerations(pod, default_seconds)
    delay: float | None = None
    for taint in taints:
        if taint.get("effect") != NO_EXECUTE:
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
