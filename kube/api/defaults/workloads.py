"""apps/v1 ReplicaSet and Deployment defaults (SetDefaults_ReplicaSet, SetDefaults_Deployment)."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.pod import default_pod_template
from kube.api.defaults.setters import child_dict, default_pointer, default_string


def default_replica_set(rs: dict[str, Any]) -> None:
    spec = child_dict(rs, "spec")
    if spec is None:
        return
    default_pointer(spec, "replicas", 1)
    _default_template(spec)


def default_deployment(deployment: dict[str, Any]) -> None:
    spec = child_dict(deployment, "spec")
    if spec is None:
        return
    default_pointer(spec, "replicas", 1)
    strategy = child_dict(spec, "strategy", create=True)
    if strategy is not None:
        default_string(strategy, "type", "RollingUpdate")
        if strategy.get("type") == "RollingUpdate":
            rolling = child_dict(strategy, "rollingUpdate", create=True)
            if rolling is not None:
                default_pointer(rolling, "maxUnavailable", "25%")
                default_pointer(rolling, "maxSurge", "25%")
    default_pointer(spec, "revisionHistoryLimit", 10)
    default_pointer(spec, "progressDeadlineSeconds", 600)
    _default_template(spec)


def _default_template(spec: dict[str, Any]) -> None:
    template = child_dict(spec, "template")
    if template is not None:
        default_pod_template(template)
