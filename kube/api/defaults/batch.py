"""batch/v1 Job and CronJob defaults (SetDefaults_Job, SetDefaults_CronJob).

The Job's generated selector and its controller-uid / job-name template labels need the
uid the server just assigned, so the Job strategy adds them (kube/apiserver/strategies/batch.py).
"""

from __future__ import annotations

from typing import Any

from kube.api.defaults.pod import default_pod_template
from kube.api.defaults.setters import child_dict, default_pointer, default_string, dict_items

MAX_INT32 = 2**31 - 1


def default_job_spec(spec: dict[str, Any]) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    default_pointer(spec, "parallelism", 1)
    default_pointer(spec, "backoffLimit", MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6)
    default_string(spec, "completionMode", "NonIndexed")
    default_pointer(spec, "suspend", False)
    default_pointer(spec, "manualSelector", False)
    policy = child_dict(spec, "podFailurePolicy")
    default_string(spec, "podReplacementPolicy", "Failed" if policy is not None else "TerminatingOrFailed")
    if policy is not None:
        for rule in dict_items(policy, "rules"):
            for pattern in dict_items(rule, "onPodConditions"):
                default_string(pattern, "status", "True")
    template = child_dict(spec, "template")
    if template is not None:
        default_pod_template(template)


def default_job(job: dict[str, Any]) -> None:
    spec = child_dict(job, "spec")
    if spec is not None:
        default_job_spec(spec)


def default_cron_job(cronjob: dict[str, Any]) -> None:
    spec = child_dict(cronjob, "spec")
    if spec is None:
        return
    default_string(spec, "concurrencyPolicy", "Allow")
    default_pointer(spec, "suspend", False)
    default_pointer(spec, "successfulJobsHistoryLimit", 3)
    default_pointer(spec, "failedJobsHistoryLimit", 1)
    job_spec = child_dict(child_dict(spec, "jobTemplate") or {}, "spec")
    template = child_dict(job_spec, "template") if job_spec is not None else None
    if template is not None:
        default_pod_template(template)
