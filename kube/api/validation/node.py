"""core/v1 Node validation: taints, pod CIDRs, capacity/allocatable quantities."""

from __future__ import annotations

import ipaddress
from typing import Any

from kube.api.errors import duplicate, invalid, not_supported
from kube.api.validation.field_types import (
    Errors,
    child,
    dict_elements,
    get_bool,
    get_dict,
    get_list,
    get_str,
)
from kube.api.validation.names import label_value_problems, qualified_name_problems, wrap
from kube.api.validation.object_meta import validate_object_meta
from kube.api.validation.resources import resource_list
from kube.api.validation.scheduling import TAINT_EFFECTS


def validate_node(node: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(node, namespaced=False)
    spec = get_dict(node, "spec", "", errs)
    if spec is not None:
        errs += _spec(spec, old)
    status = get_dict(node, "status", "", errs)
    if status is not None:
        resource_list(status, "capacity", "status", errs, check_names=False)
        resource_list(status, "allocatable", "status", errs, check_names=False)
        for _, apath, address in dict_elements(get_list(status, "addresses", "status", errs), "status.addresses", errs):
            get_str(address, "type", apath, errs, must=True)
            get_str(address, "address", apath, errs, must=True)
    return errs


def _cidr_ok(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return "/" in text


def _spec(spec: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    errs: Errors = []
    get_bool(spec, "unschedulable", "spec", errs)
    cidr = get_str(spec, "podCIDR", "spec", errs)
    if cidr and not _cidr_ok(cidr):
        errs.append(invalid("spec.podCIDR", cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
    for i, item in enumerate(get_list(spec, "podCIDRs", "spec", errs) or []):
        if not isinstance(item, str) or not _cidr_ok(item):
            errs.append(invalid(f"spec.podCIDRs[{i}]", item,
                                "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
    if old is not None:
        old_spec = old.get("spec") if isinstance(old.get("spec"), dict) else {}
        old_cidr = old_spec.get("podCIDR")
        if old_cidr and cidr and cidr != old_cidr:
            errs.append(invalid("spec.podCIDR", cidr, "node updates may not change podCIDR except from \"\" to "
                                                      "valid"))
    seen: set[str] = set()
    for _, tpath, taint in dict_elements(get_list(spec, "taints", "spec", errs), "spec.taints", errs):
        key = get_str(taint, "key", tpath, errs, must=True)
        if key:
            errs += wrap(child(tpath, "key"), key, qualified_name_problems(key))
        value = get_str(taint, "value", tpath, errs)
        if value:
            errs += wrap(child(tpath, "value"), value, label_value_problems(value))
        effect = get_str(taint, "effect", tpath, errs, must=True)
        if effect and effect not in TAINT_EFFECTS:
            errs.append(not_supported(child(tpath, "effect"), effect, TAINT_EFFECTS))
        if key and effect:
            pair = f"{key}:{effect}"
            if pair in seen:
                errs.append(duplicate(tpath, pair))
            seen.add(pair)
    return errs
