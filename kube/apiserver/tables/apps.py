"""apps/v1 tables: deployments and replicasets (printDeployment, printReplicaSet)."""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since
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
    Column("Selector", priority=1, description="Label query over pods that should match the replicas count."),
)

DEPLOYMENT_COLUMNS = (
    NAME,
    Column("Ready", description="Number of the pod with ready state"),
    Column("Up-to-date", type="integer", description="Total number of non-terminated pods targeted by this "
           "deployment that have the desired template spec."),
    Column("Available", type="integer", description="Total number of available pods (ready for at least "
           "minReadySeconds) targeted by this deployment."),
    AGE,
    *_WIDE,
)

REPLICASET_COLUMNS = (
    NAME,
    Column("Desired", type="integer", description="Replicas is the number of desired replicas."),
    Column("Current", type="integer", description="Replicas is the most recently observed number of replicas."),
    Column("Ready", type="integer", description="The number of ready replicas for this replica set."),
    AGE,
    *_WIDE,
)


def _desired(spec: dict[str, Any]) -> int:
    return as_int(spec.get("replicas"), 1)


def _wide(spec: dict[str, Any]) -> list[Cell]:
    containers, images = containers_and_images(section(section(spec, "template"), "spec"))
    return [containers, images, format_label_selector(spec.get("selector"))]


def _deployment_row(obj: Obj, now: float) -> list[Cell]:
    spec, status = section(obj, "spec"), section(obj, "status")
    return [
        meta(obj).get("name", ""),
        f"{as_int(status.get('readyReplicas'))}/{_desired(spec)}",
        as_int(status.get("updatedReplicas")),
        as_int(status.get("availableReplicas")),
        age_since(meta(obj).get("creationTimestamp"), now),
        *_wide(spec),
    ]


def _replicaset_row(obj: Obj, now: float) -> list[Cell]:
    spec, status = section(obj, "spec"), section(obj, "status")
    return [
        meta(obj).get("name", ""),
        _desired(spec),
        as_int(status.get("replicas")),
        as_int(status.get("readyReplicas")),
        age_since(meta(obj).get("creationTimestamp"), now),
        *_wide(spec),
    ]


PRINTERS = {
    ("apps", "Deployment"): Printer(DEPLOYMENT_COLUMNS, _deployment_row),
    ("apps", "ReplicaSet"): Printer(REPLICASET_COLUMNS, _replicaset_row),
}
