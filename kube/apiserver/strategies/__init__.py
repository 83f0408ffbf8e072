"""Per-kind write rules, the shape of Kubernetes' `pkg/registry/<group>/<kind>/strategy.go`.

`strategy_for(kind)` is the one lookup the generic write path makes; a kind with
no entry gets the default `Strategy` (every hook a no-op). A new kind with
special rules adds a module here and one line to STRATEGIES.
"""

from __future__ import annotations

from kube.api.registry import KindInfo
from kube.apiserver.strategies.base import DEFAULT, Strategy
from kube.apiserver.strategies.batch import CronJobStrategy, JobStrategy
from kube.apiserver.strategies.certificates import CertificateSigningRequestStrategy
from kube.apiserver.strategies.daemonset import DaemonSetStrategy, ReplicationControllerStrategy
from kube.apiserver.strategies.endpoints import EndpointsStrategy
from kube.apiserver.strategies.endpointslice import EndpointSliceStrategy
from kube.apiserver.strategies.event import EventStrategy
from kube.apiserver.strategies.flowcontrol import FlowSchemaStrategy, PriorityLevelConfigurationStrategy
from kube.apiserver.strategies.lease import LeaseStrategy
from kube.apiserver.strategies.namespace import NamespaceStrategy
from kube.apiserver.strategies.node import NodeStrategy
from kube.apiserver.strategies.pod import PodStrategy
from kube.apiserver.strategies.rbac import BindingStrategy, RoleStrategy
from kube.apiserver.strategies.secret import SecretStrategy
from kube.apiserver.strategies.service import ServiceStrategy
from kube.apiserver.strategies.workloads import (
    DeploymentStrategy,
    PodDisruptionBudgetStrategy,
    ReplicaSetStrategy,
)

__all__ = ["STRATEGIES", "Strategy", "strategy_for"]

# (group, kind) -> its strategy; every key is a kind of kube.api.registry (a test checks)
STRATEGIES: dict[tuple[str, str], Strategy] = {
    ("", "Pod"): PodStrategy(),
    ("", "Service"): ServiceStrategy(),
    ("", "Namespace"): NamespaceStrategy(),
    ("", "Event"): EventStrategy(),
    ("", "Endpoints"): EndpointsStrategy(),
    ("discovery.k8s.io", "EndpointSlice"): EndpointSliceStrategy(),
    ("coordination.k8s.io", "Lease"): LeaseStrategy(),
    ("apps", "Deployment"): DeploymentStrategy(),
    ("apps", "ReplicaSet"): ReplicaSetStrategy(),
    ("apps", "DaemonSet"): DaemonSetStrategy(),
    ("batch", "Job"): JobStrategy(),
    ("batch", "CronJob"): CronJobStrategy(),
    ("", "ReplicationController"): ReplicationControllerStrategy(),
    ("policy", "PodDisruptionBudget"): PodDisruptionBudgetStrategy(),
    ("", "Node"): NodeStrategy(),
    ("", "Secret"): SecretStrategy(),
    ("rbac.authorization.k8s.io", "Role"): RoleStrategy(),
    ("rbac.authorization.k8s.io", "ClusterRole"): RoleStrategy(),
    ("rbac.authorization.k8s.io", "RoleBinding"): BindingStrategy(),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): BindingStrategy(),
    ("certificates.k8s.io", "CertificateSigningRequest"): CertificateSigningRequestStrategy(),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"): FlowSchemaStrategy(),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): PriorityLevelConfigurationStrategy(),
}


def strategy_for(kind: KindInfo) -> Strategy:
    return STRATEGIES.get((kind.group, kind.kind), DEFAULT)
