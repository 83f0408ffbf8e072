"""Validation of the small kinds: Namespace, Lease, Event, PodDisruptionBudget."""

from __future__ import annotations

from typing import Any

from kube.api.errors import invalid, not_supported, type_invalid
from kube.api.validation.field_types import Errors, get_dict, get_int, get_list, get_str
from kube.api.validation.int_or_percent import validate_int_or_percent
from kube.api.validation.names import dns1123_label_problems, qualified_name_problems, wrap
from kube.api.validation.object_meta import validate_object_meta
from kube.api.validation.selectors import validate_label_selector

NAMESPACE_PHASES = ["Active", "Terminating"]
EVENT_TYPES = ["Normal", "Warning"]
EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"]
_CLUSTER_SCOPED_KINDS = {"Node", "Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding"}


def validate_namespace(ns: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(ns, namespaced=False, name_check=dns1123_label_problems)
    spec = get_dict(ns, "spec", "", errs)
    for i, item in enumerate(get_list(spec, "finalizers", "spec", errs) or [] if spec else []):
        if not isinstance(item, str):
            errs.append(type_invalid(f"spec.finalizers[{i}]", item, "string"))
        else:
            errs += wrap(f"spec.finalizers[{i}]", item, qualified_name_problems(item))
    status = get_dict(ns, "status", "", errs)
    phase = get_str(status, "phase", "status", errs) if status else None
    if phase and phase not in NAMESPACE_PHASES:
        errs.append(not_supported("status.phase", phase, NAMESPACE_PHASES))
    return errs


def validate_lease(lease: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(lease, namespaced=True)
    spec = get_dict(lease, "spec", "", errs)
    if spec is None:
        return errs
    get_str(spec, "holderIdentity", "spec", errs)
    duration = get_int(spec, "leaseDurationSeconds", "spec", errs)
    if duration is not None and duration <= 0:
        errs.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    transitions = get_int(spec, "leaseTransitions", "spec", errs)
    if transitions is not None and transitions < 0:
        errs.append(invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
    for key in ("acquireTime", "renewTime"):
        get_str(spec, key, "spec", errs)
    return errs


def validate_event(event: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(event, namespaced=True)
    involved = get_dict(event, "involvedObject", "", errs, must=True)
    if involved is not None:
        kind = get_str(involved, "kind", "involvedObject", errs)
        involved_ns = get_str(involved, "namespace", "involvedObject", errs)
        meta = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
        event_ns = meta.get("namespace")
        if involved_ns and isinstance(event_ns, str) and involved_ns != event_ns:
            errs.append(invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"))
        if kind in _CLUSTER_SCOPED_KINDS and involved_ns:
            errs.append(invalid("involvedObject.namespace", involved_ns, "not allowed for cluster-scoped objects"))
    kind = get_str(event, "type", "", errs)
    if kind and kind not in EVENT_TYPES:
        errs.append(not_supported("type", kind, EVENT_TYPES))
    count = get_int(event, "count", "", errs)
    if count is not None and count < 0:
        errs.append(invalid("count", count, "must be greater than or equal to 0"))
    for key in ("reason", "message", "firstTimestamp", "lastTimestamp", "reportingComponent"):
        get_str(event, key, "", errs)
    return errs


def validate_pod_disruption_budget(pdb: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(pdb, namespaced=True)
    spec = get_dict(pdb, "spec", "", errs)
    if spec is None:
        return errs
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if min_available is not None and max_unavailable is not None:
        errs.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    if min_available is not None:
        validate_int_or_percent(min_available, "spec.minAvailable", errs, at_most_100=True)
    if max_unavailable is not None:
        validate_int_or_percent(max_unavailable, "spec.maxUnavailable", errs, at_most_100=True)
    selector = get_dict(spec, "selector", "spec", errs)
    if selector is not None:
        errs += validate_label_selector(selector, "spec.selector")
    policy = get_str(spec, "unhealthyPodEvictionPolicy", "spec", errs)
    if policy is not None and policy not in EVICTION_POLICIES:
        errs.append(not_supported("spec.unhealthyPodEvictionPolicy", policy, EVICTION_POLICIES))
    return errs
