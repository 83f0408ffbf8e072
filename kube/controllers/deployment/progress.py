"""Deployment status and its Available / Progressing conditions, with the reasons and
messages `kubectl rollout status` reads (NewReplicaSetAvailable means done,
ProgressDeadlineExceeded means failed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from kube.api.meta import Obj
from kube.controllers.deployment.rollout import desired_replicas, max_unavailable, name_of
from kube.controllers.pod_state import parse_time

AVAILABLE = "Available"
PROGRESSING = "Progressing"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def get_condition(status: Obj, kind: str) -> Obj | None:
    for cond in status.get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def set_condition(status: Obj, kind: str, state: str, reason: str, message: str, now: datetime) -> None:
    """Set a condition; the transition time stays when the status (True/False) does not change,
    and nothing is touched when status and reason are the same (SetDeploymentCondition)."""
    conditions = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
    current = get_condition(status, kind)
    if current is not None and current.get("status") == state and current.get("reason") == reason:
        return
    stamp = rfc3339(now)
    new = {"type": kind, "status": state, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
           "reason": reason, "message": message}
    if current is not None and current.get("status") == state:
        new["lastTransitionTime"] = current.get("lastTransitionTime", stamp)
    status["conditions"] = [c for c in conditions if c.get("type") != kind] + [new]


def calculate_status(d: Obj, all_sets: list[Obj], new: Obj | None, now: datetime) -> Obj:
    """Counts from the ReplicaSets' status; conditions carried over, Available recomputed."""
    old_status = d.get("status") or {}

    def total(field: str, sets: list[Obj]) -> int:
        return sum(int((rs.get("status") or {}).get(field) or 0) for rs in sets)

    replicas = desired_replicas(d)
    available = total("availableReplicas", all_sets)
    status: Obj = {
        "observedGeneration": (d.get("metadata") or {}).get("generation", 0),
        "replicas": total("replicas", all_sets),
        "updatedReplicas": total("replicas", [new] if new is not None else []),
        "readyReplicas": total("readyReplicas", all_sets),
        "availableReplicas": available,
        "unavailableReplicas": max(replicas - available, 0),
    }
    if old_status.get("collisionCount") is not None:
        status["collisionCount"] = old_status["collisionCount"]
    if old_status.get("conditions"):
        status["conditions"] = [dict(c) for c in old_status["conditions"] if isinstance(c, dict)]
    if available >= replicas - max_unavailable(d):
        set_condition(status, AVAILABLE, "True", MIN_AVAILABLE, "Deployment has minimum availability.", now)
    else:
        set_condition(status, AVAILABLE, "False", MIN_UNAVAILABLE, "Deployment does not have minimum availability.",
                      now)
    return _drop_zero_counts(status)


def _drop_zero_counts(status: Obj) -> Obj:
    """Zero counts are omitted, as Kubernetes' omitempty does (kubectl reads absent as 0)."""
    return {k: v for k, v in status.items() if not (isinstance(v, int) and v == 0 and k != "observedGeneration")}


def is_complete(d: Obj, status: Obj) -> bool:
    replicas = desired_replicas(d)
    return (status.get("updatedReplicas", 0) == replicas and status.get("replicas", 0) == replicas
            and status.get("availableReplicas", 0) == replicas
            and status.get("observedGeneration", 0) >= (d.get("metadata") or {}).get("generation", 0))


def is_progressing(d: Obj, new_status: Obj) -> bool:
    old = d.get("status") or {}

    def count(s: Obj, f: str) -> int:
        return int(s.get(f) or 0)

    return (count(new_status, "updatedReplicas") > count(old, "updatedReplicas")
            or count(new_status, "replicas") - count(new_status, "updatedReplicas")
            < count(old, "replicas") - count(old, "updatedReplicas")
            or count(new_status, "readyReplicas") > count(old, "readyReplicas")
            or count(new_status, "availableReplicas") > count(old, "availableReplicas"))


def deadline_seconds(d: Obj) -> int | None:
    value = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return int(value) if isinstance(value, int) else None


def timed_out(d: Obj, status: Obj, now: datetime) -> bool:
    deadline = deadline_seconds(d)
    cond = get_condition(status, PROGRESSING)
    if deadline is None or cond is None or cond.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT):
        return cond is not None and cond.get("reason") == TIMED_OUT
    updated = parse_time(cond.get("lastUpdateTime"))
    return updated is not None and updated + timedelta(seconds=deadline) < now


def sync_progress(d: Obj, status: Obj, new: Obj | None, now: datetime) -> float | None:
    """Set Progressing on `status` for an unpaused rollout; the seconds after which the
    deadline must be checked again (None when no check is needed)."""
    deadline = deadline_seconds(d)
    if deadline is None:
        status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != PROGRESSING]
        return None
    rs_name = name_of(new) if new is not None else ""
    if new is not None and is_complete(d, status):
        set_condition(status, PROGRESSING, "True", NEW_RS_AVAILABLE,
                      f'ReplicaSet "{rs_name}" has successfully progressed.', now)
        return None
    if new is not None and is_progressing(d, status):
        cond = get_condition(status, PROGRESSING)
        message = f'ReplicaSet "{rs_name}" is progressing.'
        stamp = rfc3339(now)
        if cond is not None and cond.get("status") == "True":
            cond.update(reason=RS_UPDATED, message=message, lastUpdateTime=stamp)
        else:
            set_condition(status, PROGRESSING, "True", RS_UPDATED, message, now)
    elif timed_out(d, status, now):
        set_condition(status, PROGRESSING, "False", TIMED_OUT, f'ReplicaSet "{rs_name}" has timed out progressing.',
                      now)
        return None
    cond = get_condition(status, PROGRESSING)
    updated = parse_time(cond.get("lastUpdateTime")) if cond is not None else None
    if updated is None:
        return None
    return max((updated + timedelta(seconds=deadline) - now).total_seconds(), 0.0) + 1.0
