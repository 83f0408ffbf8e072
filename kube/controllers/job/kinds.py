"""The registry entries the Job, CronJob and TTL controllers act on."""

from __future__ import annotations

from kube.api.registry import by_gvk

POD = by_gvk("", "v1", "Pod")
JOB = by_gvk("batch", "v1", "Job")
CRONJOB = by_gvk("batch", "v1", "CronJob")
assert None not in (POD, JOB, CRONJOB), "batch/v1 Job and CronJob must be in kube.api.registry"
