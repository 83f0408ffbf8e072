"""Defaulting: fill in what Kubernetes fills in before validation, per kind.

`apply_defaults` dispatches on apiVersion/kind; unknown kinds pass through
untouched. It never raises on wrong types (validation reports those).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube.api.defaults.batch import default_cron_job, default_job
from kube.api.defaults.certificates import default_certificate_signing_request
from kube.api.defaults.cluster import default_event, default_namespace, default_node, default_secret
from kube.api.defaults.daemonset import default_daemon_set, default_replication_controller
from kube.api.defaults.endpointslice import default_endpoint_slice
from kube.api.defaults.flowcontrol import default_flow_schema, default_priority_level_configuration
from kube.api.defaults.pod import default_container, default_pod, default_pod_spec, pull_policy_for
from kube.api.defaults.rbac import default_binding
from kube.api.defaults.service import default_endpoints, default_service
from kube.api.defaults.workloads import default_deployment, default_replica_set

__all__ = ["apply_defaults", "default_container", "default_pod_spec", "pull_policy_for", "DEFAULTERS"]

DEFAULTERS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("v1", "Pod"): default_pod,
    ("v1", "Service"): default_service,
    ("v1", "Endpoints"): default_endpoints,
    ("discovery.k8s.io/v1", "EndpointSlice"): default_endpoint_slice,
    ("v1", "Namespace"): default_namespace,
    ("v1", "Node"): default_node,
    ("v1", "Secret"): default_secret,
    ("v1", "Event"): default_event,
    ("apps/v1", "ReplicaSet"): default_replica_set,
    ("apps/v1", "Deployment"): default_deployment,
    ("apps/v1", "DaemonSet"): default_daemon_set,
    ("batch/v1", "Job"): default_job,
    ("batch/v1", "CronJob"): default_cron_job,
    ("v1", "ReplicationController"): default_replication_controller,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): default_binding,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): default_binding,
    ("certificates.k8s.io/v1", "CertificateSigningRequest"): default_certificate_signing_request,
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"): default_flow_schema,
    ("flowcontrol.apiserver.k8s.io/v1", "PriorityLevelConfiguration"): default_priority_level_configuration,
}


def apply_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    """Default `obj` in place and return it."""
    if not isinstance(obj, dict):
        return obj
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str):
        defaulter = DEFAULTERS.get((api_version, kind))
        if defaulter is not None:
            defaulter(obj)
    return obj
