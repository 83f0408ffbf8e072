"""apps/v1 DaemonSet and core/v1 ReplicationController defaults
(SetDefaults_DaemonSet, SetDefaults_ReplicationController)."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.pod import default_pod_template
from kube.api.defaults.setters import child_dict, default_pointer, default_string


def default_daemon_set(ds: dict[str, Any]) -> None:
    spec = child_dict(ds, "spec")
    if spec is None:
        return
    strategy = child_dict(spec, "updateStrategy", create=True)
    if strategy is not None:
        default_string(strategy, "type", "RollingUpdate")
        if strategy.get("type") == "RollingUpdate":
            rolling = child_dict(strategy, "rollingUpdate", create=True)
            if rolling is not None:
                default_pointer(rolling, "maxUnavailable", 1)
                default_pointer(rolling, "maxSurge", 0)
    default_pointer(spec, "revisionHistoryLimit", 10)
    _default_template(spec)


def default_replication_controller(rc: dict[str, Any]) -> None:
    """An RC's selector and labels, when missing, are its template's labels (as Kubernetes)."""
    spec = child_dict(rc, "spec")
    if spec is None:
        return
    template = spec.get("template")
    tmeta = template.get("metadata") if isinstance(template, dict) else None
    labels = tmeta.get("labels") if isinstance(tmeta, dict) else None
    if isinstance(labels, dict) and labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = child_dict(rc, "metadata", create=True)
        if meta is not None and not meta.get("labels"):
            meta["labels"] = dict(labels)
    default_pointer(spec, "replicas", 1)
    _default_template(spec)


def _default_template(spec: dict[str, Any]) -> None:
    template = child_dict(spec, "template")
    if template is not None:
        default_pod_template(template)
