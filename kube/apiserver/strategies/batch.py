"""Jobs and CronJobs: a create resets the status their controller owns; a Job gets its
generated selector (Kubernetes' job strategy generateSelector).

Unless `spec.manualSelector` is true, the Job's pods are selected by the uid the server
just assigned, so two Jobs can never claim each other's pods: the template gets the
`batch.kubernetes.io/controller-uid` and `batch.kubernetes.io/job-name` labels (and
the legacy `controller-uid` / `job-name`), the selector matches the uid label.
"""

from __future__ import annotations

from typing import ClassVar

from kube.api.meta import Obj
from kube.apiserver.strategies.base import Strategy

UID_LABEL, NAME_LABEL = "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name"
LEGACY_UID_LABEL, LEGACY_NAME_LABEL = "controller-uid", "job-name"


def generate_selector(job: Obj) -> None:
    spec = job.get("spec")
    meta = job.get("metadata") or {}
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    uid, name = str(meta.get("uid", "")), str(meta.get("name", ""))
    template = spec.get("template")
    if isinstance(template, dict):
        tmeta = template.setdefault("metadata", {})
        if isinstance(tmeta, dict):
            labels = tmeta.get("labels")
            if labels is None:
                labels = tmeta["labels"] = {}
            if isinstance(labels, dict):
                for key, value in ((UID_LABEL, uid), (NAME_LABEL, name), (LEGACY_UID_LABEL, uid),
                                   (LEGACY_NAME_LABEL, name)):
                    labels.setdefault(key, value)
    if spec.get("selector") is None:
        spec["selector"] = {"matchLabels": {UID_LABEL: uid}}


class JobStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {}
    # batch/v1 keeps extensions/v1beta1's rule: a delete that names no policy orphans the pods
    # (kubectl sends Background; the Python client's plain delete_namespaced_job does not)
    default_propagation: ClassVar[str] = "Orphan"

    def prepare_create(self, obj: Obj) -> None:
        super().prepare_create(obj)
        generate_selector(obj)


class CronJobStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {}
