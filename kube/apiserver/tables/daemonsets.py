"""Tables for DaemonSets, ControllerRevisions and ReplicationControllers
(printDaemonSet, printControllerRevision, printReplicationController)."""

from __future__ import annotations

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.apps import REPLICASET_COLUMNS
from kube.apiserver.tables.columns import (
    AGE,
    NAME,
    Cell,
    Column,
    Printer,
    as_int,
    containers_and_images,
    format_label_selector,
    format_labels,
    items,
    meta,
    section,
)

DAEMONSET_COLUMNS = (
    NAME,
    Column("Desired", type="integer", description="The total number of nodes that should be running the daemon "
           "pod (including nodes correctly running the daemon pod)."),
    Column("Current", type="integer", description="The number of nodes that are running at least 1 daemon pod "
           "and are supposed to run the daemon pod."),
    Column("Ready", type="integer", description="The number of nodes that should be running the daemon pod and "
           "have one or more of the daemon pod running and ready."),
    Column("Up-to-date", type="integer", description="The total number of nodes that are running updated daemon "
           "pod"),
    Column("Available", type="integer", description="The number of nodes that should be running the daemon pod "
           "and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    Column("Node Selector", description="NodeSelector is a selector which must be true for the pod to fit on a "
           "node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    AGE,
    Column("Containers", priority=1, description="Names of each container in the template."),
    Column("Images", priority=1, description="Images referenced by each container in the template."),
    Column("Selector", priority=1, description="A label query over pods that are managed by the daemon set."),
)

REVISION_COLUMNS = (
    NAME,
    Column("Controller", description="Controller of the object"),
    Column("Revision", type="integer", description="Revision indicates the revision of the state represented by "
           "Data."),
    AGE,
)


def _daemonset_row(obj: Obj, now: float) -> list[Cell]:
    spec, status = section(obj, "spec"), section(obj, "status")
    pod_spec = section(section(spec, "template"), "spec")
    containers, images = containers_and_images(pod_spec)
    return [
        meta(obj).get("name", ""),
        as_int(status.get("desiredNumberScheduled")),
        as_int(status.get("currentNumberScheduled")),
        as_int(status.get("numberReady")),
        as_int(status.get("updatedNumberScheduled")),
        as_int(status.get("numberAvailable")),
        format_labels(pod_spec.get("nodeSelector")),
        age_since(meta(obj).get("creationTimestamp"), now),
        containers, images, format_label_selector(spec.get("selector")),
    ]


def _revision_row(obj: Obj, now: float) -> list[Cell]:
    controller = "<none>"
    for ref in items(meta(obj).get("ownerReferences")):
        if ref.get("controller") is True:
            group = str(ref.get("apiVersion", "")).rpartition("/")[0]
            kind = str(ref.get("kind", "")).lower()
            controller = f"{kind}.{group}/{ref.get('name', '')}" if group else f"{kind}/{ref.get('name', '')}"
    return [meta(obj).get("name", ""), controller, as_int(obj.get("revision")),
            age_since(meta(obj).get("creationTimestamp"), now)]


def _rc_row(obj: Obj, now: float) -> list[Cell]:
    spec, status = section(obj, "spec"), section(obj, "status")
    containers, images = containers_and_images(section(section(spec, "template"), "spec"))
    return [
        meta(obj).get("name", ""),
        as_int(spec.get("replicas"), 1),
        as_int(status.get("replicas")),
        as_int(status.get("readyReplicas")),
        age_since(meta(obj).get("creationTimestamp"), now),
        containers, images, format_labels(spec.get("selector")),
    ]


PRINTERS = {
    ("apps", "DaemonSet"): Printer(DAEMONSET_COLUMNS, _daemonset_row),
    ("apps", "ControllerRevision"): Printer(REVISION_COLUMNS, _revision_row),
    ("", "ReplicationController"): Printer(REPLICASET_COLUMNS, _rc_row),
}
