"""Validation: Kubernetes field errors for every built-in kind.

`validate(obj, old)` dispatches on apiVersion/kind (unknown kinds give no
errors) and never raises: wrong JSON types become FieldValueTypeInvalid. With
`old`, update rules (immutable fields) apply as well. Every integer field of a
kind is then held to the width Kubernetes' schema declares (int_bounds.py),
whether or not its validator reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube.api.errors import FieldError
from kube.api.validation.batch import validate_cron_job, validate_job
from kube.api.validation.certificates import validate_certificate_signing_request
from kube.api.validation.cluster_kinds import (
    validate_event,
    validate_lease,
    validate_namespace,
    validate_pod_disruption_budget,
)
from kube.api.validation.config_data import validate_config_map, validate_secret
from kube.api.validation.daemonset import (
    validate_controller_revision,
    validate_daemon_set,
    validate_replication_controller,
)
from kube.api.validation.endpointslice import validate_endpoint_slice
from kube.api.validation.flowcontrol import validate_flow_schema, validate_priority_level_configuration
from kube.api.validation.int_bounds import integer_errors
from kube.api.validation.node import validate_node
from kube.api.validation.object_meta import validate_object_meta_update
from kube.api.validation.pod import validate_pod
from kube.api.validation.rbac import (
    validate_cluster_role,
    validate_cluster_role_binding,
    validate_role,
    validate_role_binding,
)
from kube.api.validation.service import validate_endpoints, validate_service
from kube.api.validation.workloads import validate_deployment, validate_replica_set

__all__ = ["validate", "VALIDATORS", "INTERNAL_ERROR"]

Validator = Callable[[dict[str, Any], dict[str, Any] | None], list[FieldError]]
INTERNAL_ERROR = "InternalError"

VALIDATORS: dict[tuple[str, str], Validator] = {
    ("v1", "Pod"): validate_pod,
    ("v1", "Service"): validate_service,
    ("v1", "Endpoints"): validate_endpoints,
    ("discovery.k8s.io/v1", "EndpointSlice"): validate_endpoint_slice,
    ("v1", "Namespace"): validate_namespace,
    ("v1", "Node"): validate_node,
    ("v1", "ConfigMap"): validate_config_map,
    ("v1", "Secret"): validate_secret,
    ("v1", "Event"): validate_event,
    ("apps/v1", "ReplicaSet"): validate_replica_set,
    ("apps/v1", "Deployment"): validate_deployment,
    ("apps/v1", "DaemonSet"): validate_daemon_set,
    ("batch/v1", "Job"): validate_job,
    ("batch/v1", "CronJob"): validate_cron_job,
    ("apps/v1", "ControllerRevision"): validate_controller_revision,
    ("v1", "ReplicationController"): validate_replication_controller,
    ("coordination.k8s.io/v1", "Lease"): validate_lease,
    ("policy/v1", "PodDisruptionBudget"): validate_pod_disruption_budget,
    ("rbac.authorization.k8s.io/v1", "Role"): validate_role,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): validate_cluster_role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): validate_role_binding,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): validate_cluster_role_binding,
    ("certificates.k8s.io/v1", "CertificateSigningRequest"): validate_certificate_signing_request,
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"): validate_flow_schema,
    ("flowcontrol.apiserver.k8s.io/v1", "PriorityLevelConfiguration"): validate_priority_level_configuration,
}


def validate(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[FieldError]:
    """All field errors of `obj` (and of the update from `old`, when given)."""
    if not isinstance(obj, dict):
        return [FieldError("FieldValueTypeInvalid", "", "must be of type object", obj, True)]
    key = (obj.get("apiVersion"), obj.get("kind"))
    validator = VALIDATORS.get(key) if all(isinstance(k, str) for k in key) else None  # type: ignore[arg-type]
    if validator is None:
        return []
    previous = old if isinstance(old, dict) else None
    try:
        errs = validator(obj, previous)
        if previous is not None:
            errs = validate_object_meta_update(obj, previous) + errs
        reported = {e.field for e in errs}
        errs += [e for e in integer_errors(obj) if e.field not in reported]
    except Exception as exc:  # a validator bug must answer 422, not 500 with a traceback
        return [FieldError(INTERNAL_ERROR, "", f"validation failed: {type(exc).__name__}: {exc}")]
    return errs
