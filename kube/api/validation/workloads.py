"""apps/v1 ReplicaSet and Deployment validation."""

from __future__ import annotations

from typing import Any

from kube.api.errors import forbidden, invalid, not_supported, required
from kube.api.labels import SelectorError, from_label_selector
from kube.api.validation.field_types import Errors, get_bool, get_dict, get_int, get_str
from kube.api.validation.int_or_percent import validate_int_or_percent
from kube.api.validation.object_meta import validate_object_meta
from kube.api.validation.pod import validate_pod_template
from kube.api.validation.selectors import is_empty_label_selector, validate_label_selector

STRATEGY_TYPES = ["Recreate", "RollingUpdate"]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a validated selector matches the template's labels (one that cannot be read matches none)."""
    try:
        return from_label_selector(selector).matches(labels)
    except SelectorError:
        return False


def validate_replica_set(rs: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(rs, namespaced=True)
    spec = get_dict(rs, "spec", "", errs, must=True)
    if spec is not None:
        errs += _workload_spec(spec, "replicaset")
    if old is not None:
        errs += _selector_immutable(rs, old)
    return errs


def validate_deployment(deployment: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(deployment, namespaced=True)
    spec = get_dict(deployment, "spec", "", errs, must=True)
    if spec is not None:
        errs += _workload_spec(spec, "deployment")
        errs += _strategy(spec)
        limit = get_int(spec, "revisionHistoryLimit", "spec", errs)
        if limit is not None and limit < 0:
            errs.append(invalid("spec.revisionHistoryLimit", limit, "must be greater than or equal to 0"))
        get_bool(spec, "paused", "spec", errs)
        deadline = get_int(spec, "progressDeadlineSeconds", "spec", errs)
        min_ready = spec.get("minReadySeconds")
        if deadline is not None:
            if deadline < 0:
                errs.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than or equal to 0"))
            elif isinstance(min_ready, int) and not isinstance(min_ready, bool) and deadline <= min_ready:
                errs.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    if old is not None:
        errs += _selector_immutable(deployment, old)
    return errs


def _workload_spec(spec: dict[str, Any], noun: str) -> Errors:
    errs: Errors = []
    replicas = get_int(spec, "replicas", "spec", errs)
    if replicas is not None and replicas < 0:
        errs.append(invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    min_ready = get_int(spec, "minReadySeconds", "spec", errs)
    if min_ready is not None and min_ready < 0:
        errs.append(invalid("spec.minReadySeconds", min_ready, "must be greater than or equal to 0"))
    selector = get_dict(spec, "selector", "spec", errs, must=True)
    selector_ok = False
    if selector is not None:
        if is_empty_label_selector(selector):
            errs.append(invalid("spec.selector", selector, f"empty selector is invalid for {noun}"))
        else:
            selector_errs = validate_label_selector(selector, "spec.selector")
            errs += selector_errs
            selector_ok = not selector_errs
    template = get_dict(spec, "template", "spec", errs, must=True)
    if template is None:
        return errs
    labels = _template_labels(template)
    if selector_ok and selector is not None and labels is not None and not _selects(selector, labels):
        errs.append(invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"))
    errs += validate_pod_template(template, "spec.template")
    template_spec = template.get("spec")
    if isinstance(template_spec, dict):
        restart = template_spec.get("restartPolicy")
        if isinstance(restart, str) and restart != "Always":
            errs.append(not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
        deadline = template_spec.get("activeDeadlineSeconds")
        if deadline is not None:
            errs.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                                  "activeDeadlineSeconds in ReplicaSet is not Supported"))
    return errs


def _template_labels(template: dict[str, Any]) -> dict[str, str] | None:
    meta = template.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if labels is None:
        return {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        return None  # the type error is reported by the template's own validation
    return labels


def _strategy(spec: dict[str, Any]) -> Errors:
    errs: Errors = []
    strategy = get_dict(spec, "strategy", "spec", errs)
    if strategy is None:
        return errs
    kind = get_str(strategy, "type", "spec.strategy", errs)
    rolling = get_dict(strategy, "rollingUpdate", "spec.strategy", errs)
    if kind is not None and kind not in STRATEGY_TYPES:
        errs.append(not_supported("spec.strategy.type", kind, STRATEGY_TYPES))
    if kind == "Recreate" and rolling is not None:
        errs.append(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
    if kind == "RollingUpdate" and rolling is None and "rollingUpdate" not in strategy:
        errs.append(required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"))
    if rolling is not None:
        surge_raw, unavailable_raw = rolling.get("maxSurge"), rolling.get("maxUnavailable")
        surge = validate_int_or_percent(surge_raw, "spec.strategy.rollingUpdate.maxSurge", errs) \
            if surge_raw is not None else 0
        unavailable = validate_int_or_percent(unavailable_raw, "spec.strategy.rollingUpdate.maxUnavailable", errs,
                                              at_most_100=True) if unavailable_raw is not None else 0
        if surge == 0 and unavailable == 0:
            errs.append(invalid("spec.strategy.rollingUpdate.maxUnavailable",
                                unavailable_raw if unavailable_raw is not None else 0,
                                "may not be 0 when `maxSurge` is 0"))
    return errs


def _selector_immutable(new: dict[str, Any], old: dict[str, Any]) -> Errors:
    new_spec, old_spec = new.get("spec"), old.get("spec")
    if not isinstance(new_spec, dict) or not isinstance(old_spec, dict):
        return []
    if "selector" in old_spec and new_spec.get("selector") != old_spec.get("selector"):
        return [invalid("spec.selector", new_spec.get("selector"), "field is immutable")]
    return []
