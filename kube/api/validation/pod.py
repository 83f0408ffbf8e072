"""Pod and pod template validation (ValidatePodSpec, ValidatePodTemplateSpec, ValidatePodUpdate)."""

from __future__ import annotations

import copy
from typing import Any

from kube.api.errors import forbidden, invalid, not_supported
from kube.api.validation.container import PodScope, validate_containers
from kube.api.validation.field_types import (
    Errors,
    child,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    string_map,
)
from kube.api.validation.names import dns1123_label_problems, dns1123_subdomain_problems, wrap
from kube.api.validation.object_meta import validate_annotations, validate_labels, validate_object_meta
from kube.api.validation.scheduling import validate_scheduling
from kube.api.validation.volumes import validate_volumes

RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
POD_PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"]

UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


def validate_pod(pod: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(pod, namespaced=True)
    spec = get_dict(pod, "spec", "", errs, must=True)
    if spec is not None:
        errs += validate_pod_spec(spec, "spec")
    status = get_dict(pod, "status", "", errs)
    if status is not None:
        phase = get_str(status, "phase", "status", errs)
        if phase and phase not in POD_PHASES:
            errs.append(not_supported("status.phase", phase, POD_PHASES))
    if old is not None:
        errs += validate_pod_update(pod, old)
    return errs


def validate_pod_template(template: dict[str, Any], path: str) -> Errors:
    """Template metadata (labels, annotations) and its pod spec."""
    errs: Errors = []
    meta = get_dict(template, "metadata", path, errs)
    if meta is not None:
        mpath = child(path, "metadata")
        errs += validate_labels(string_map(meta, "labels", mpath, errs), child(mpath, "labels"))
        errs += validate_annotations(string_map(meta, "annotations", mpath, errs), child(mpath, "annotations"))
    spec = get_dict(template, "spec", path, errs, must=True)
    if spec is not None:
        errs += validate_pod_spec(spec, child(path, "spec"))
    return errs


def validate_pod_spec(spec: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    volumes = validate_volumes(spec, path, errs)
    scope = PodScope(volumes)
    errs += validate_containers(get_list(spec, "initContainers", path, errs), child(path, "initContainers"),
                                scope, must=False)
    errs += validate_containers(get_list(spec, "containers", path, errs), child(path, "containers"), scope,
                                must=True)
    restart = get_str(spec, "restartPolicy", path, errs)
    if restart is not None and restart not in RESTART_POLICIES:
        errs.append(not_supported(child(path, "restartPolicy"), restart, RESTART_POLICIES))
    dns = get_str(spec, "dnsPolicy", path, errs)
    if dns is not None and dns not in DNS_POLICIES:
        errs.append(not_supported(child(path, "dnsPolicy"), dns, DNS_POLICIES))
    grace = get_int(spec, "terminationGracePeriodSeconds", path, errs, expected="int64")
    if grace is not None and grace < 0:
        errs.append(invalid(child(path, "terminationGracePeriodSeconds"), grace, "must be greater than or equal to 0"))
    deadline = get_int(spec, "activeDeadlineSeconds", path, errs, expected="int64")
    if deadline is not None and not 1 <= deadline <= 2**31 - 1:
        errs.append(invalid(child(path, "activeDeadlineSeconds"), deadline,
                            "must be between 1 and 2147483647, inclusive"))
    for key, check in (("nodeName", dns1123_subdomain_problems), ("serviceAccountName", dns1123_subdomain_problems),
                       ("hostname", dns1123_label_problems), ("subdomain", dns1123_label_problems),
                       ("priorityClassName", dns1123_subdomain_problems)):
        value = get_str(spec, key, path, errs)
        if value:
            errs += wrap(child(path, key), value, check(value))
    get_str(spec, "schedulerName", path, errs)
    for key in ("hostNetwork", "hostPID", "hostIPC", "enableServiceLinks", "automountServiceAccountToken"):
        get_bool(spec, key, path, errs)
    get_dict(spec, "securityContext", path, errs)
    errs += validate_scheduling(spec, path)
    return errs


def validate_pod_update(new: dict[str, Any], old: dict[str, Any]) -> Errors:
    """Only images, activeDeadlineSeconds (set or shortened) and added tolerations may change."""
    errs: Errors = []
    new_spec, old_spec = new.get("spec"), old.get("spec")
    if not isinstance(new_spec, dict) or not isinstance(old_spec, dict):
        return errs
    new_deadline, old_deadline = new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if isinstance(old_deadline, int) and old_deadline:
        if new_deadline is None:
            errs.append(invalid("spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value"))
        elif isinstance(new_deadline, int) and new_deadline > old_deadline:
            errs.append(invalid("spec.activeDeadlineSeconds", new_deadline,
                                "must be less than or equal to previous value"))
    mutable = copy.deepcopy(new_spec)
    for key in ("containers", "initContainers"):
        new_list, old_list = mutable.get(key), old_spec.get(key)
        if isinstance(new_list, list) and isinstance(old_list, list) and len(new_list) == len(old_list):
            for new_c, old_c in zip(new_list, old_list, strict=True):
                if isinstance(new_c, dict) and isinstance(old_c, dict) and "image" in old_c:
                    new_c["image"] = old_c["image"]
    mutable["activeDeadlineSeconds"] = old_spec.get("activeDeadlineSeconds")
    if mutable.get("activeDeadlineSeconds") is None:
        mutable.pop("activeDeadlineSeconds", None)
    old_tolerations = old_spec.get("tolerations") or []
    new_tolerations = mutable.get("tolerations") or []
    if isinstance(new_tolerations, list) and isinstance(old_tolerations, list):
        if all(t in new_tolerations for t in old_tolerations):
            _restore(mutable, old_spec, "tolerations")
    if mutable.get("schedulingGates") is None or (
            isinstance(mutable.get("schedulingGates"), list) and isinstance(old_spec.get("schedulingGates"), list)
            and all(g in old_spec["schedulingGates"] for g in mutable["schedulingGates"])):
        _restore(mutable, old_spec, "schedulingGates")
    if not old_spec.get("nodeName"):
        _restore(mutable, old_spec, "nodeName")
    if isinstance(old_spec.get("terminationGracePeriodSeconds"), int) and old_spec["terminationGracePeriodSeconds"] < 0 \
            and mutable.get("terminationGracePeriodSeconds") == 1:
        _restore(mutable, old_spec, "terminationGracePeriodSeconds")
    if mutable != old_spec:
        errs.append(forbidden("spec", UPDATE_FORBIDDEN))
    return errs


def _restore(target: dict[str, Any], source: dict[str, Any], key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)
