"""Job conditions as the Job controller writes them.

A Job first gets an interim condition (SuccessCriteriaMet or FailureTarget) the moment its
outcome is decided; the terminal one (Complete or Failed, same reason) follows once its
pods are gone and counted, so clients that see Complete/Failed see final counters.
"""

from __future__ import annotations

from typing import Any

from kube.api.meta import Obj

COMPLETE, FAILED = "Complete", "Failed"
SUCCESS_CRITERIA_MET, FAILURE_TARGET = "SuccessCriteriaMet", "FailureTarget"
SUSPENDED = "Suspended"

BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
FAILED_INDEXES = ("FailedIndexes", "Job has failed indexes")
MAX_FAILED_INDEXES = ("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes")
SUCCESS_POLICY = ("SuccessPolicy", "Matched rules at index {index}")
POD_FAILURE_POLICY = "PodFailurePolicy"


def find(job: Obj, kind: str) -> dict[str, Any] | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def is_true(job: Obj, kind: str) -> bool:
    cond = find(job, kind)
    return cond is not None and cond.get("status") == "True"


def finished(job: Obj) -> str | None:
    """Complete or Failed when the Job has finished, else None."""
    for kind in (COMPLETE, FAILED):
        if is_true(job, kind):
            return kind
    return None


def set_condition(conditions: list[Obj], kind: str, status: str, reason: str, message: str, now: str) -> list[Obj]:
    """`conditions` with one of `kind` set; the transition time moves only when the status does."""
    out = [dict(c) for c in conditions]
    for cond in out:
        if cond.get("type") == kind:
            if (cond.get("status"), cond.get("reason"), cond.get("message")) != (status, reason, message):
                if cond.get("status") != status:
                    cond["lastTransitionTime"] = now
                cond.update(status=status, reason=reason, message=message, lastProbeTime=now)
            return out
    out.append({"type": kind, "status": status, "lastProbeTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message})
    return out
