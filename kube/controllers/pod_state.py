"""Facts about a pod the controllers agree on: active, ready, available, and the
order in which a ReplicaSet gives pods up (Kubernetes' ActivePods ranking)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kube.api.meta import Obj, parse_rfc3339

_FAR_PAST = datetime(1970, 1, 1).astimezone()
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def is_terminating(pod: Obj) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def is_active(pod: Obj) -> bool:
    """Counts toward replicas: not finished and not on its way out (controller.IsPodActive)."""
    return phase(pod) not in ("Succeeded", "Failed") and not is_terminating(pod)


def condition(obj: Obj, kind: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def is_ready(pod: Obj) -> bool:
    cond = condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_rfc3339(text)
    except ValueError:
        return None


def ready_since(pod: Obj) -> datetime | None:
    cond = condition(pod, "Ready")
    if cond is None or cond.get("status") != "True":
        return None
    return parse_time(cond.get("lastTransitionTime")) or _FAR_PAST


def is_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least minReadySeconds (podutil.IsPodAvailable)."""
    since = ready_since(pod)
    if since is None:
        return False
    return min_ready_seconds <= 0 or since + timedelta(seconds=min_ready_seconds) <= now


def seconds_until_available(pod: Obj, min_ready_seconds: int, now: datetime) -> float | None:
    """How long until a ready pod becomes available; None when not ready or already available."""
    since = ready_since(pod)
    if since is None or min_ready_seconds <= 0:
        return None
    left = (since + timedelta(seconds=min_ready_seconds) - now).total_seconds()
    return left if left > 0 else None


def created_at(obj: Obj) -> datetime | None:
    return parse_time((obj.get("metadata") or {}).get("creationTimestamp"))


def restarts(pod: Obj) -> int:
    return max((int(s.get("restartCount") or 0) for s in (pod.get("status") or {}).get("containerStatuses") or []
                if isinstance(s, dict)), default=0)


def deletion_rank(pod: Obj) -> tuple:
    """Sort key: pods to delete first come first (unscheduled, pending, not ready,
    ready for less time, more restarts, newest) as Kubernetes' ActivePods ranks them."""
    scheduled = bool((pod.get("spec") or {}).get("nodeName"))
    ready = is_ready(pod)
    since = ready_since(pod) if ready else None
    created = created_at(pod)
    return (
        scheduled,
        _PHASE_RANK.get(phase(pod), 0),
        ready,
        -(since.timestamp()) if since is not None else 0.0,
        -restarts(pod),
        -(created.timestamp()) if created is not None else float("-inf"),
        (pod.get("metadata") or {}).get("name", ""),
    )
