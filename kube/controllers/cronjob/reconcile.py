"""One sync of one CronJob, pure: the CronJob, the Jobs of its namespace and the time in; the plan out.

As Kubernetes' CronJob controller (v2): the Job of a scheduled time is named
`<cronjob>-<minutes since the epoch>`, so creating it twice is harmless; of several
missed times only the most recent runs (more than 100 missed: a TooManyMissedTimes
Event); a time older than startingDeadlineSeconds is skipped with MissSchedule;
Forbid skips while a Job runs, Replace deletes the running ones first; finished Jobs
beyond the history limits are deleted, oldest first. Only Jobs it scheduled count as
active: one made by hand (`kubectl create job --from=cronjob/x`) is an UnexpectedJob.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kube.api.cron_schedule import ScheduleError, load_zone, parse_schedule
from kube.api.meta import Obj
from kube.controllers.actions import Action, Create, Delete, status_action
from kube.controllers.events import NORMAL, WARNING, Note, note
from kube.controllers.job.conditions import COMPLETE, finished
from kube.controllers.job.kinds import CRONJOB, JOB
from kube.controllers.ownership import controller_of, owner_reference
from kube.controllers.pod_state import created_at, parse_time

SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
MAX_MISSED = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TOO_MANY_MISSED = "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"


@dataclass
class CronJobPlan:
    actions: list[Action] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    status: Obj = field(default_factory=dict)
    requeue_after: float | None = None
    created: str = ""  # the name of the Job this sync creates


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339 of a zoned time: "Z" for UTC, else the offset ("+09:00")."""
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") and moment.utcoffset() == timedelta(0) else text


def job_name(cronjob: Obj, scheduled: datetime) -> str:
    return f"{(cronjob.get('metadata') or {}).get('name', '')}-{int(scheduled.timestamp()) // 60}"


def _ref(job: Obj) -> Obj:
    meta = job.get("metadata") or {}
    return {"kind": "Job", "namespace": meta.get("namespace", ""), "name": meta.get("name", ""),
            "uid": meta.get("uid", ""), "apiVersion": "batch/v1", "resourceVersion": meta.get("resourceVersion", "")}


def new_job(cronjob: Obj, scheduled: datetime, zone_time: datetime) -> Obj:
    """The Job of one scheduled time, from spec.jobTemplate, owned by the CronJob."""
    meta = cronjob.get("metadata") or {}
    template = (cronjob.get("spec") or {}).get("jobTemplate") or {}
    tmeta = template.get("metadata") or {}
    job_meta: Obj = {"name": job_name(cronjob, scheduled), "namespace": meta.get("namespace", ""),
                     "labels": dict(tmeta.get("labels") or {}),
                     "annotations": {**(tmeta.get("annotations") or {}), SCHEDULED_ANNOTATION: rfc3339(zone_time)},
                     "ownerReferences": [owner_reference(cronjob)]}
    if not job_meta["labels"]:
        del job_meta["labels"]
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


def _scheduled_by_us(cronjob: Obj, job: Obj) -> bool:
    """A Job this controller made: named `<cronjob>-<minutes>` with the scheduled-time annotation."""
    name = str((job.get("metadata") or {}).get("name", ""))
    prefix = f"{(cronjob.get('metadata') or {}).get('name', '')}-"
    annotations = (job.get("metadata") or {}).get("annotations") or {}
    return name.startswith(prefix) and name[len(prefix):].isdigit() and SCHEDULED_ANNOTATION in annotations


def _history_deletes(cronjob: Obj, done: list[Obj], plan: CronJobPlan) -> None:
    spec = cronjob.get("spec") or {}
    for outcome, key, default in ((True, "successfulJobsHistoryLimit", 3), (False, "failedJobsHistoryLimit", 1)):
        limit = spec.get(key, default)
        if not isinstance(limit, int):
            continue
        group = [j for j in done if (finished(j) == COMPLETE) == outcome]
        group.sort(key=lambda j: (parse_time((j.get("status") or {}).get("startTime")) or created_at(j)
                                  or _EPOCH, (j.get("metadata") or {}).get("name", "")))
        for job in group[:max(0, len(group) - max(limit, 0))]:
            m = job.get("metadata") or {}
            plan.actions.append(Delete(JOB, str(m.get("namespace", "")), str(m.get("name", "")),
                                       str(m.get("uid", "")), propagation="Background",
                                       note=note(cronjob, NORMAL, "SuccessfulDelete", f"Deleted job {m.get('name')}")))


def reconcile_cron_job(cronjob: Obj, jobs: list[Obj], now: datetime) -> CronJobPlan:
    """One sync of one CronJob over the Jobs of its namespace."""
    plan = CronJobPlan()
    meta, spec = cronjob.get("metadata") or {}, cronjob.get("spec") or {}
    old = cronjob.get("status") or {}
    uid = meta.get("uid", "")
    owned = [j for j in jobs if (controller_of(j) or {}).get("uid") == uid]
    by_name = {str((j.get("metadata") or {}).get("name", "")): j for j in owned}
    status: Obj = {k: v for k, v in old.items() if k != "active"}
    active: list[Obj] = []
    for ref in old.get("active") or []:
        job = by_name.get(str(ref.get("name", "")))
        if job is not None and (job.get("metadata") or {}).get("uid") == ref.get("uid") and not finished(job):
            active.append(ref)
    listed = {r.get("name") for r in active}
    done = []
    for name, job in sorted(by_name.items()):
        outcome = finished(job)
        if outcome is None:
            if name in listed or (job.get("metadata") or {}).get("deletionTimestamp"):
                continue
            if _scheduled_by_us(cronjob, job):
                active.append(_ref(job))  # created by an earlier sync whose status write was lost or not seen yet
            else:
                plan.notes.append(note(cronjob, WARNING, "UnexpectedJob",
                                       f"Saw a job that the controller did not create or forgot: {name}"))
            continue
        done.append(job)
        if any(r.get("name") == name for r in old.get("active") or []):
            plan.notes.append(note(cronjob, NORMAL, "SawCompletedJob",
                                   f"Saw completed job: {name}, condition: {outcome}"))
        completion = parse_time((job.get("status") or {}).get("completionTime"))
        last = parse_time(status.get("lastSuccessfulTime"))
        if outcome == COMPLETE and completion is not None and (last is None or completion > last):
            status["lastSuccessfulTime"] = _stamp(completion)
    if active:
        status["active"] = active
    plan.status = status
    _history_deletes(cronjob, [j for j in done if not (j.get("metadata") or {}).get("deletionTimestamp")], plan)

    def finish() -> CronJobPlan:
        plan.actions.extend(status_action(CRONJOB, cronjob, status))
        return plan

    if meta.get("deletionTimestamp") or spec.get("suspend"):
        return finish()
    try:
        zone = load_zone(spec.get("timeZone"))
    except ScheduleError as exc:
        plan.notes.append(note(cronjob, WARNING, "UnknownTimeZone", f"invalid timeZone: {spec.get('timeZone')!r}: "
                                                                    f"{exc}"))
        return finish()
    try:
        schedule = parse_schedule(spec.get("schedule", ""), zone)
    except ScheduleError as exc:
        plan.notes.append(note(cronjob, WARNING, "UnparseableSchedule",
                               f"unparseable schedule: {spec.get('schedule')!r} : {exc}"))
        return finish()
    upcoming = schedule.next(now)
    if upcoming is not None:
        plan.requeue_after = (upcoming - now).total_seconds() + 0.1
    earliest = parse_time(old.get("lastScheduleTime")) or created_at(cronjob) or now
    deadline = spec.get("startingDeadlineSeconds")
    if isinstance(deadline, int) and now - timedelta(seconds=deadline) > earliest:
        earliest = now - timedelta(seconds=deadline)
    scheduled, missed, moment = None, 0, earliest
    while missed <= MAX_MISSED:
        moment = schedule.next(moment)
        if moment is None or moment > now:
            break
        scheduled, missed = moment, missed + 1
    if missed > MAX_MISSED:
        plan.notes.append(note(cronjob, WARNING, "TooManyMissedTimes", TOO_MANY_MISSED))
        scheduled = schedule.previous(now)
    if scheduled is None:
        return finish()
    name = job_name(cronjob, scheduled)
    if isinstance(deadline, int) and scheduled + timedelta(seconds=deadline) < now:
        plan.notes.append(note(cronjob, WARNING, "MissSchedule",
                               f"Missed scheduled time to start a job: {rfc3339(scheduled.astimezone(zone))}"))
        return finish()
    if name in by_name:
        return finish()  # created already (a status write was lost)
    policy = spec.get("concurrencyPolicy") or "Allow"
    if policy == "Forbid" and active:
        plan.notes.append(note(cronjob, NORMAL, "JobAlreadyActive", "Not starting job because prior execution "
                                                                    "is running and concurrency policy is Forbid"))
        return finish()
    if policy == "Replace":
        for ref in active:
            plan.actions.append(Delete(JOB, str(ref.get("namespace", "")), str(ref.get("name", "")),
                                       str(ref.get("uid", "")), propagation="Background",
                                       note=note(cronjob, NORMAL, "SuccessfulDelete",
                                                 f"Deleted job {ref.get('name')}")))
        active = []
        status.pop("active", None)
    plan.actions.append(Create(JOB, new_job(cronjob, scheduled, scheduled.astimezone(zone)),
                               note=note(cronjob, NORMAL, "SuccessfulCreate", f"Created job {name}")))
    plan.created = name
    status["lastScheduleTime"] = _stamp(scheduled)
    return finish()
