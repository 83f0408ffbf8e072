"""apps/v1 DaemonSet and ControllerRevision, core/v1 ReplicationController validation
(ValidateDaemonSet, ValidateControllerRevision, ValidateReplicationController)."""

from __future__ import annotations

from typing import Any

from kube.api.errors import forbidden, invalid, not_supported, required
from kube.api.validation.field_types import Errors, get_dict, get_int, get_str
from kube.api.validation.int_or_percent import validate_int_or_percent
from kube.api.validation.object_meta import validate_labels, validate_object_meta
from kube.api.validation.pod import validate_pod_template
from kube.api.validation.workloads import _selector_immutable, _template_labels, _workload_spec

UPDATE_STRATEGY_TYPES = ["RollingUpdate", "OnDelete"]


def validate_daemon_set(ds: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(ds, namespaced=True)
    spec = get_dict(ds, "spec", "", errs, must=True)
    if spec is not None:
        deadline = "spec.template.spec.activeDeadlineSeconds"
        errs += [forbidden(deadline, "activeDeadlineSeconds in DaemonSet is not Supported") if e.field == deadline
                 else e for e in _workload_spec(spec, "daemonset")]
        errs += _update_strategy(spec)
        limit = get_int(spec, "revisionHistoryLimit", "spec", errs)
        if limit is not None and limit < 0:
            errs.append(invalid("spec.revisionHistoryLimit", limit, "must be greater than or equal to 0"))
    if old is not None:
        errs += _selector_immutable(ds, old)
    return errs


def _update_strategy(spec: dict[str, Any]) -> Errors:
    errs: Errors = []
    strategy = get_dict(spec, "updateStrategy", "spec", errs)
    if strategy is None:
        return errs
    kind = get_str(strategy, "type", "spec.updateStrategy", errs)
    if kind not in UPDATE_STRATEGY_TYPES:  # Kubernetes names the whole strategy, not its type
        errs.append(not_supported("spec.updateStrategy", strategy, UPDATE_STRATEGY_TYPES))
        return errs
    rolling = get_dict(strategy, "rollingUpdate", "spec.updateStrategy", errs)
    if kind != "RollingUpdate":
        return errs
    if rolling is None:
        errs.append(required("spec.updateStrategy.rollingUpdate", ""))
        return errs
    where = "spec.updateStrategy.rollingUpdate"
    unavailable_raw, surge_raw = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    unavailable = validate_int_or_percent(unavailable_raw, f"{where}.maxUnavailable", errs, at_most_100=True) \
        if unavailable_raw is not None else 0
    surge = validate_int_or_percent(surge_raw, f"{where}.maxSurge", errs, at_most_100=True) \
        if surge_raw is not None else 0
    if unavailable and surge:
        errs.append(invalid(f"{where}.maxSurge", surge_raw, "may not be set when maxUnavailable is non-zero"))
    elif unavailable == 0 and surge == 0:
        errs.append(required(f"{where}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return errs


def validate_controller_revision(rev: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(rev, namespaced=True)
    number = get_int(rev, "revision", "", errs)
    if number is not None and number < 0:
        errs.append(invalid("revision", number, "must be greater than or equal to 0"))
    if old is not None and rev.get("data") != old.get("data"):
        errs.append(invalid("data", "", "field is immutable"))
    return errs


def validate_replication_controller(rc: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(rc, namespaced=True)
    spec = get_dict(rc, "spec", "", errs, must=True)
    if spec is None:
        return errs
    replicas = get_int(spec, "replicas", "spec", errs)
    if replicas is not None and replicas < 0:
        errs.append(invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    min_ready = get_int(spec, "minReadySeconds", "spec", errs)
    if min_ready is not None and min_ready < 0:
        errs.append(invalid("spec.minReadySeconds", min_ready, "must be greater than or equal to 0"))
    selector = get_dict(spec, "selector", "spec", errs)
    if not selector:
        errs.append(required("spec.selector", ""))
    else:
        errs += validate_labels(selector, "spec.selector")
    template = get_dict(spec, "template", "spec", errs)
    if template is None:
        errs.append(required("spec.template", ""))
        return errs
    labels = _template_labels(template)
    if selector and labels is not None and any(labels.get(k) != v for k, v in selector.items()):
        errs.append(invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"))
    errs += validate_pod_template(template, "spec.template")
    restart = (template.get("spec") or {}).get("restartPolicy") if isinstance(template.get("spec"), dict) else None
    if isinstance(restart, str) and restart != "Always":
        errs.append(not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
    return errs
