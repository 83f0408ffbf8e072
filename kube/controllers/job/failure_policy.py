"""spec.podFailurePolicy: what one failed pod means for its Job (FailJob, FailIndex, Ignore, Count).

The first rule that matches decides; a pod no rule matches counts toward backoffLimit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube.api.meta import Obj

COUNT, FAIL_JOB, IGNORE, FAIL_INDEX = "Count", "FailJob", "Ignore", "FailIndex"


@dataclass(frozen=True)
class Verdict:
    action: str
    message: str = ""


def _exit_code_match(rule: dict[str, Any], pod: Obj) -> tuple[str, int] | None:
    requirement = rule.get("onExitCodes")
    if not isinstance(requirement, dict):
        return None
    only = requirement.get("containerName")
    operator = requirement.get("operator")
    values = set(requirement.get("values") or [])
    statuses = [*((pod.get("status") or {}).get("initContainerStatuses") or []),
                *((pod.get("status") or {}).get("containerStatuses") or [])]
    for status in statuses:
        if only and status.get("name") != only:
            continue
        code = ((status.get("state") or {}).get("terminated") or {}).get("exitCode")
        if not isinstance(code, int) or code == 0:
            continue
        if (operator == "In" and code in values) or (operator == "NotIn" and code not in values):
            return str(status.get("name", "")), code
    return None


def _condition_match(rule: dict[str, Any], pod: Obj) -> str | None:
    patterns = rule.get("onPodConditions")
    if not isinstance(patterns, list):
        return None
    have = {(c.get("type"), c.get("status")) for c in (pod.get("status") or {}).get("conditions") or []
            if isinstance(c, dict)}
    for pattern in patterns:
        if isinstance(pattern, dict) and (pattern.get("type"), pattern.get("status") or "True") in have:
            return str(pattern.get("type"))
    return None


def judge(job: Obj, pod: Obj) -> Verdict:
    """The verdict of the Job's podFailurePolicy on one failed pod."""
    policy = (job.get("spec") or {}).get("podFailurePolicy")
    if not isinstance(policy, dict):
        return Verdict(COUNT)
    meta = pod.get("metadata") or {}
    who = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
    for at, rule in enumerate(policy.get("rules") or []):
        if not isinstance(rule, dict):
            continue
        action = str(rule.get("action") or COUNT)
        matched = _exit_code_match(rule, pod)
        if matched is not None:
            return Verdict(action, f"Container {matched[0]} for pod {who} failed with exit code {matched[1]} "
                                   f"matching {action} rule at index {at}")
        cond = _condition_match(rule, pod)
        if cond is not None:
            return Verdict(action, f"Pod {who} has condition {cond} matching {action} rule at index {at}")
    return Verdict(COUNT)
