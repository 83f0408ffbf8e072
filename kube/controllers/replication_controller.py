"""ReplicationController controller: the ReplicaSet machinery over core/v1 RCs, as Kubernetes
runs it (pkg/controller/replication wraps the ReplicaSet controller). The only differences are
the kind and the selector, a plain label map (`selector_of`)."""

from __future__ import annotations

from kube.api.registry import KindInfo, by_gvk
from kube.controllers.replicaset import ReplicaSetController

REPLICATION_CONTROLLER = by_gvk("", "v1", "ReplicationController")
assert REPLICATION_CONTROLLER is not None


class ReplicationControllerController(ReplicaSetController):
    name = "replicationcontroller"
    kind: KindInfo = REPLICATION_CONTROLLER
    component = "replication-controller"
