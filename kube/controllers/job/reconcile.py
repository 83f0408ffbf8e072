"""One sync of one Job, pure: the Job, its namespace's pods and the time in; the plan out.

Counting is finalizer-based, as Kubernetes' Job controller does it, so a completion is
counted exactly once whatever restarts in between:
  1. a finished pod that still carries the tracking finalizer is recorded in
     `status.uncountedTerminatedPods` (an Indexed Job's success: in `completedIndexes`);
  2. only once that status is stored does the loop take the finalizer off the pod;
  3. a recorded uid whose pod lost the finalizer (or is gone) moves into the counters.
The plan keeps these apart: `status` must be written before `finalizer_removals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kube.api.labels import SelectorError, from_label_selector
from kube.api.meta import Obj, object_key
from kube.controllers.actions import Action, CreatePod, DeletePod, Patch
from kube.controllers.events import NORMAL, WARNING, Note, note
from kube.controllers.job import conditions as C
from kube.controllers.job.failure_policy import FAIL_JOB, IGNORE, judge
from kube.controllers.job.indexes import format_indexes, parse_indexes
from kube.controllers.job.kinds import POD
from kube.controllers.job.per_index import index_failures
from kube.controllers.job.pods import (
    counts_as_failed,
    finish_time,
    has_finalizer,
    index_of,
    is_finished,
    new_pod,
    remove_finalizer,
    uid_of,
)
from kube.controllers.ownership import claim
from kube.controllers.pod_state import deletion_rank, is_active, is_ready, parse_time, phase

BURST = 500  # at most this many pod creations per sync


@dataclass(frozen=True)
class Backoff:
    """The pod back-off after failures: base * 2^(n-1) for n failures since the last success, capped."""

    base: float = 10.0
    cap: float = 360.0

    def delay(self, failures: int) -> float:
        return 0.0 if failures <= 0 else min(self.base * 2 ** (failures - 1), self.cap)


@dataclass
class JobPlan:
    status: Obj = field(default_factory=dict)  # the status to store first (equal to the old one: no write)
    finalizer_removals: list[Patch] = field(default_factory=list)  # only after `status` is stored
    actions: list[Action] = field(default_factory=list)  # pod creations and deletions
    notes: list[Note] = field(default_factory=list)  # Events once the status is stored
    creates: int = 0
    deletes: list[DeletePod] = field(default_factory=list)
    requeue_after: float | None = None

    def wake(self, seconds: float) -> None:
        seconds = max(seconds, 0.05)
        self.requeue_after = seconds if self.requeue_after is None else min(self.requeue_after, seconds)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int(value: object, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _delete(job: Obj, pod: Obj, plan: JobPlan) -> None:
    """Stop a pod we no longer want: take the finalizer off first, so it is not counted as failed."""
    meta = pod.get("metadata") or {}
    patch = remove_finalizer(pod)
    if patch is not None:
        plan.finalizer_removals.append(patch)
    if not meta.get("deletionTimestamp"):
        delete = DeletePod(str(meta.get("namespace", "")), str(meta.get("name", "")), uid_of(pod),
                           owner_key=object_key(job),
                           note=note(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta.get('name', '')}"))
        plan.deletes.append(delete)
        plan.actions.append(delete)


def _success_policy(job: Obj, completed: set[int]) -> str | None:
    """The SuccessPolicy message when a rule of spec.successPolicy is met by the completed indexes."""
    rules = ((job.get("spec") or {}).get("successPolicy") or {}).get("rules") or []
    for at, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        wanted = parse_indexes(rule["succeededIndexes"]) if rule.get("succeededIndexes") else None
        done = len(completed & wanted) if wanted is not None else len(completed)
        count = _int(rule.get("succeededCount"), None)
        if (count is not None and done >= count) or (count is None and wanted is not None and done == len(wanted)):
            return C.SUCCESS_POLICY[1].format(index=at)
    return None


def _restarts(pod: Obj) -> int:
    """Every restart of the pod's containers, init containers included (as the Job controller sums them)."""
    status = pod.get("status") or {}
    return sum(int(s.get("restartCount") or 0) for key in ("initContainerStatuses", "containerStatuses")
               for s in status.get(key) or [] if isinstance(s, dict))


def _consecutive_failures(job: Obj, pods: list[Obj]) -> tuple[int, datetime | None]:
    """Failed pods since the last success, and when the last of them failed. A pod an Ignore
    rule matched is left out: Kubernetes never puts it in uncountedTerminatedPods.failed,
    which its back-off record is built from, so it is replaced at once."""
    last_success = max((t for p in pods if phase(p) == "Succeeded" and (t := finish_time(p))), default=None)
    has_policy = isinstance((job.get("spec") or {}).get("podFailurePolicy"), dict)
    failures = [t for p in pods if phase(p) == "Failed" and (t := finish_time(p)) is not None
                and (last_success is None or t > last_success)
                and not (has_policy and judge(job, p).action == IGNORE)]
    return len(failures), max(failures, default=None)


def reconcile_job(job: Obj, pods: list[Obj], now: datetime, *, expectations_met: bool = True,
                  backoff: Backoff | None = None) -> JobPlan:
    """One sync of one Job over the pods of its namespace."""
    backoff = backoff or Backoff()
    plan = JobPlan()
    meta, spec = job.get("metadata") or {}, job.get("spec") or {}
    old = job.get("status") or {}
    status: Obj = {k: v for k, v in old.items()}
    plan.status = status
    try:
        selector = from_label_selector(spec.get("selector"))
    except SelectorError:
        return plan
    owned_claim = claim(job, POD, pods, lambda p: selector.matches((p.get("metadata") or {}).get("labels") or {}))
    plan.actions.extend(owned_claim.patches)
    owned = owned_claim.owned
    if C.finished(job):
        for pod in owned:  # counted already (or never to be): let them go
            if (patch := remove_finalizer(pod)) is not None:
                plan.finalizer_removals.append(patch)
        return plan

    indexed = spec.get("completionMode") == "Indexed"
    completions = _int(spec.get("completions"), None)
    parallelism = _int(spec.get("parallelism"), 1) or 0
    stamp = _stamp(now)
    uncounted = old.get("uncountedTerminatedPods") or {}
    succ_uids = list(uncounted.get("succeeded") or [])
    fail_uids = list(uncounted.get("failed") or [])
    succeeded, failed = _int(old.get("succeeded"), 0) or 0, _int(old.get("failed"), 0) or 0
    completed = parse_indexes(old.get("completedIndexes"), completions) if indexed else set()
    by_uid = {uid_of(p): p for p in owned}

    # 3. recorded uids whose pods lost the finalizer (or vanished) move into the counters
    for uid in list(succ_uids):
        if uid not in by_uid or not has_finalizer(by_uid[uid]):
            succ_uids.remove(uid)
            succeeded += 1
    for uid in list(fail_uids):
        if uid not in by_uid or not has_finalizer(by_uid[uid]):
            fail_uids.remove(uid)
            failed += 1

    # 1. finished pods still carrying the finalizer are recorded; their finalizers go after the status
    failure_target = C.find(job, C.FAILURE_TARGET)
    target: tuple[str, str] | None = None
    if failure_target is not None and failure_target.get("status") == "True":
        target = (str(failure_target.get("reason", "")), str(failure_target.get("message", "")))
    recorded = set(succ_uids) | set(fail_uids)
    for pod in owned:
        uid = uid_of(pod)
        if not has_finalizer(pod):
            continue
        if uid in recorded:
            plan.finalizer_removals.append(remove_finalizer(pod))  # type: ignore[arg-type]
            continue
        if phase(pod) == "Succeeded":
            if indexed:
                index = index_of(pod)
                if index is not None and completions is not None and index < completions:
                    completed.add(index)
            else:
                succ_uids.append(uid)
        elif counts_as_failed(pod):
            verdict = judge(job, pod)
            if verdict.action != IGNORE:
                fail_uids.append(uid)
                if verdict.action == FAIL_JOB and target is None:
                    target = (C.POD_FAILURE_POLICY, verdict.message)
        else:
            continue
        plan.finalizer_removals.append(remove_finalizer(pod))  # type: ignore[arg-type]

    total_failed = failed + len(fail_uids)
    total_succeeded = len(completed) if indexed else succeeded + len(succ_uids)
    active = [p for p in owned if is_active(p)]
    terminating = [p for p in owned if not is_finished(p) and (p.get("metadata") or {}).get("deletionTimestamp")]

    per_index = _int(spec.get("backoffLimitPerIndex"), None) if indexed and completions is not None else None
    index_plan = None
    if per_index is not None and completions is not None:
        counts, last, failed_indexes = index_failures(job, owned, completions, per_index,
                                                      parse_indexes(old.get("failedIndexes"), completions))
        failed_indexes -= completed
        index_plan = (counts, last, failed_indexes)
        status["failedIndexes"] = format_indexes(failed_indexes)
        max_failed = _int(spec.get("maxFailedIndexes"), None)
        if target is None and max_failed is not None and len(failed_indexes) > max_failed:
            target = C.MAX_FAILED_INDEXES
        elif target is None and failed_indexes and len(completed | failed_indexes) >= completions:
            target = C.FAILED_INDEXES

    # the outcome
    conds = list(old.get("conditions") or [])
    suspended = bool(spec.get("suspend"))
    start = parse_time(old.get("startTime"))
    if start is None and not suspended:
        status["startTime"] = stamp
        start = now
    success_message = None
    if C.is_true(job, C.SUCCESS_CRITERIA_MET):
        success_message = "done"
    elif target is None:
        limit = _int(spec.get("backoffLimit"), 6)
        deadline = _int(spec.get("activeDeadlineSeconds"), None)
        # restartPolicy OnFailure: the kubelet restarts in place, so the restarts are the failures
        on_failure = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") == "OnFailure"
        restarted = sum(_restarts(p) for p in active) if on_failure else 0
        if limit is not None and total_failed + restarted > limit:
            target = C.BACKOFF_LIMIT_EXCEEDED
        elif deadline is not None and start is not None and not suspended:
            left = deadline - (now - start).total_seconds()
            if left <= 0:
                target = C.DEADLINE_EXCEEDED
            else:
                plan.wake(left)
    if target is None and success_message is None:
        policy_message = _success_policy(job, completed) if indexed else None
        if policy_message is not None:
            conds = C.set_condition(conds, C.SUCCESS_CRITERIA_MET, "True", C.SUCCESS_POLICY[0], policy_message, stamp)
            success_message = policy_message
        elif (completions is not None and total_succeeded >= completions) or \
                (completions is None and total_succeeded > 0 and not active):
            conds = C.set_condition(conds, C.SUCCESS_CRITERIA_MET, "True", *C.COMPLETIONS_REACHED, stamp)
            success_message = C.COMPLETIONS_REACHED[1]
    elif target is not None and failure_target is None:
        conds = C.set_condition(conds, C.FAILURE_TARGET, "True", *target, stamp)
        plan.notes.append(note(job, WARNING, target[0], target[1]))

    if target is not None or success_message is not None:
        for pod in active:
            _delete(job, pod, plan)
        settled = not succ_uids and not fail_uids and not any(has_finalizer(p) for p in owned)
        if settled and not plan.finalizer_removals and not active and not terminating:
            if target is not None:
                conds = C.set_condition(conds, C.FAILED, "True", *target, stamp)
            else:
                cond = C.find({"status": {"conditions": conds}}, C.SUCCESS_CRITERIA_MET) or {}
                conds = C.set_condition(conds, C.COMPLETE, "True", str(cond.get("reason", "")),
                                        str(cond.get("message", "")), stamp)
                status["completionTime"] = stamp
                plan.notes.append(note(job, NORMAL, "Completed", "Job completed"))
        active_after: list[Obj] = []
    elif suspended:
        for pod in active:
            _delete(job, pod, plan)
        if not C.is_true(job, C.SUSPENDED):
            conds = C.set_condition(conds, C.SUSPENDED, "True", "JobSuspended", "Job suspended", stamp)
            plan.notes.append(note(job, NORMAL, "Suspended", "Job suspended"))
        active_after = []
    else:
        if C.is_true(job, C.SUSPENDED):
            conds = C.set_condition(conds, C.SUSPENDED, "False", "JobResumed", "Job resumed", stamp)
            status["startTime"] = stamp
            plan.notes.append(note(job, NORMAL, "Resumed", "Job resumed"))
        # podReplacementPolicy Failed: a terminating pod is replaced only once it has finished
        waiting = terminating if spec.get("podReplacementPolicy") == "Failed" else []
        active_after = _manage(job, owned, active, waiting, completed, total_succeeded, completions, parallelism,
                               indexed, now, backoff, plan, expectations_met and not meta.get("deletionTimestamp"),
                               index_plan)

    status["active"] = len(active_after) + plan.creates
    status["ready"] = sum(1 for p in active_after if is_ready(p))
    status["terminating"] = len(terminating)
    status["succeeded"] = total_succeeded if indexed else succeeded
    status["failed"] = failed
    if indexed:
        status["completedIndexes"] = format_indexes(completed)
    status["uncountedTerminatedPods"] = {k: v for k, v in (("succeeded", succ_uids), ("failed", fail_uids)) if v}
    if conds:
        status["conditions"] = conds
    for key in ("active", "succeeded", "failed", "completedIndexes"):  # omitempty in Kubernetes' types
        if not status.get(key):
            status.pop(key, None)
    return plan


def _manage(job: Obj, owned: list[Obj], active: list[Obj], waiting: list[Obj], completed: set[int],
            total_succeeded: int, completions: int | None, parallelism: int, indexed: bool, now: datetime,
            backoff: Backoff, plan: JobPlan, may_act: bool, index_plan: tuple | None = None) -> list[Obj]:
    """Create or delete pods toward `parallelism` (`waiting`: terminating pods that still hold
    their place); the pods that stay active."""
    if not may_act:
        return active
    keep = list(active)
    if indexed:
        counts, last, failed_indexes = index_plan or ({}, {}, set())
        seen: set[int] = {i for p in waiting if (i := index_of(p)) is not None}
        for pod in sorted(active, key=deletion_rank, reverse=True):
            index = index_of(pod)
            if index is None or index in completed or index in seen or index in failed_indexes \
                    or completions is None or index >= completions:
                _delete(job, pod, plan)
                keep.remove(pod)
            else:
                seen.add(index)
        missing = [i for i in range(completions or 0) if i not in completed and i not in seen
                   and i not in failed_indexes]
        if index_plan is not None:  # each index backs off on its own failures
            ready = []
            for i in missing:
                left = backoff.delay(counts.get(i, 0)) - (now - last[i]).total_seconds() if i in last else 0.0
                if left > 0:
                    plan.wake(left)
                else:
                    ready.append(i)
            missing = ready
        wanted = min(parallelism, len(keep) + len(waiting) + len(missing))
    elif completions is None:
        wanted = parallelism if total_succeeded == 0 else 0
        missing = []
    else:
        wanted = max(0, min(parallelism, completions - total_succeeded))
        missing = []
    if len(keep) > wanted:
        for pod in sorted(keep, key=deletion_rank)[:len(keep) - wanted]:
            _delete(job, pod, plan)
            keep.remove(pod)
        return keep
    count = min(wanted - len(keep) - len(waiting), BURST)
    if count <= 0:
        return keep
    failures, last_failure = _consecutive_failures(job, owned) if index_plan is None else (0, None)
    if failures and last_failure is not None:
        left = backoff.delay(failures) - (now - last_failure).total_seconds()
        if left > 0:
            plan.wake(left)
            return keep
    count = min(count, len(missing)) if indexed else count
    creates: list[CreatePod] = [
        new_pod(job, missing[i], counts.get(missing[i], 0) if index_plan is not None else None) if indexed
        else new_pod(job, None) for i in range(count)]
    plan.creates = len(creates)
    plan.actions.extend(creates)
    return keep
