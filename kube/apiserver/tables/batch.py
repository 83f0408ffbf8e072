"""batch/v1 tables: jobs and cronjobs (printJob, printCronJob)."""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since, human_duration, parse_timestamp
from kube.api.meta import Obj
from kube.apiserver.tables.columns import (
    AGE,
    NAME,
    Cell,
    Column,
    Printer,
    as_int,
    containers_and_images,
    format_label_selector,
    meta,
    section,
)

_WIDE = (
    Column("Containers", priority=1, description="Names of each container in the template."),
    Column("Images", priority=1, description="Images referenced by each container in the template."),
    Column("Selector", priority=1, description="A label query over pods that should match the pod count."),
)

JOB_COLUMNS = (
    NAME,
    Column("Status", description="Status of the job."),
    Column("Completions", description="The desired number of successfully finished pods the job should be run "
           "with."),
    Column("Duration", description="Time required to complete the job."),
    AGE,
    *_WIDE,
)

CRONJOB_COLUMNS = (
    NAME,
    Column("Schedule", description="The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    Column("Timezone", description="The time zone name for the given schedule, see "
           "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    Column("Suspend", type="boolean", description="This flag tells the controller to suspend subsequent "
           "executions."),
    Column("Active", type="integer", description="A list of pointers to currently running jobs."),
    Column("Last Schedule", description="Information when was the last time the job was successfully scheduled."),
    AGE,
    *_WIDE,
)


def _true(status: dict[str, Any], kind: str) -> bool:
    return any(isinstance(c, dict) and c.get("type") == kind and c.get("status") == "True"
               for c in status.get("conditions") or [])


def job_status(obj: Obj) -> str:
    status = section(obj, "status")
    for kind in ("Failed", "Complete"):
        if _true(status, kind):
            return kind
    if meta(obj).get("deletionTimestamp"):
        return "Terminating"
    for kind in ("SuccessCriteriaMet", "FailureTarget", "Suspended"):
        if _true(status, kind):
            return kind
    return "Running"


def _completions(spec: dict[str, Any], status: dict[str, Any]) -> str:
    succeeded = as_int(status.get("succeeded"))
    if spec.get("completions") is not None:
        return f"{succeeded}/{as_int(spec.get('completions'))}"
    parallelism = as_int(spec.get("parallelism"))
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _duration(status: dict[str, Any], now: float) -> str:
    start = parse_timestamp(status.get("startTime"))
    if start is None:
        return ""
    end = parse_timestamp(status.get("completionTime"))
    return human_duration((end if end is not None else now) - start)


def _job_row(obj: Obj, now: float) -> list[Cell]:
    spec, status = section(obj, "spec"), section(obj, "status")
    containers, images = containers_and_images(section(section(spec, "template"), "spec"))
    return [meta(obj).get("name", ""), job_status(obj), _completions(spec, status), _duration(status, now),
            age_since(meta(obj).get("creationTimestamp"), now), containers, images,
            format_label_selector(spec.get("selector"))]


def _cronjob_row(obj: Obj, now: float) -> list[Cell]:
    spec, status = section(obj, "spec"), section(obj, "status")
    job_spec = section(section(spec, "jobTemplate"), "spec")
    containers, images = containers_and_images(section(section(job_spec, "template"), "spec"))
    last = status.get("lastScheduleTime")
    return [meta(obj).get("name", ""), spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            bool(spec.get("suspend")), len(status.get("active") or []),
            age_since(last, now) if last else "<none>", age_since(meta(obj).get("creationTimestamp"), now),
            containers, images, format_label_selector(job_spec.get("selector"))]


PRINTERS = {
    ("batch", "Job"): Printer(JOB_COLUMNS, _job_row),
    ("batch", "CronJob"): Printer(CRONJOB_COLUMNS, _cronjob_row),
}
