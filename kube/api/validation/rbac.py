"""Validation of rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding.

As pkg/apis/rbac/validation: names are path segments (so `system:node` is fine), every rule
names verbs, a resource rule names apiGroups and resources, a non-resource rule only URLs
(and only in a ClusterRole), a binding's roleRef is required and immutable. A verb is any
string, as there: aggregated APIs and webhooks authorize verbs of their own (`use`, `approve`,
`sign`, a CRD controller's), so `gets` is stored and simply matches no request.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import invalid, not_supported, required, type_invalid
from kube.api.validation.field_types import Errors, get_dict, get_list, get_strings
from kube.api.validation.names import path_segment_problems
from kube.api.validation.object_meta import validate_object_meta
from kube.api.validation.selectors import validate_label_selector

GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ["User", "Group", "ServiceAccount"]


def _rules(obj: dict[str, Any], namespaced: bool, errs: Errors) -> None:
    for i, rule in enumerate(get_list(obj, "rules", "", errs) or []):
        path = f"rules[{i}]"
        if not isinstance(rule, dict):
            errs.append(type_invalid(path, rule, "object"))
            continue
        verbs = get_strings(rule, "verbs", path, errs)
        if not verbs:
            errs.append(required(f"{path}.verbs", "verbs must contain at least one value"))
        urls = get_strings(rule, "nonResourceURLs", path, errs)
        groups = get_strings(rule, "apiGroups", path, errs)
        resources = get_strings(rule, "resources", path, errs)
        get_strings(rule, "resourceNames", path, errs)
        if urls:
            if namespaced:
                errs.append(invalid(f"{path}.nonResourceURLs", urls, "namespaced rules cannot apply to "
                                                                      "non-resource URLs"))
            if groups or resources:
                errs.append(invalid(f"{path}.nonResourceURLs", urls, "rules cannot apply to both regular "
                                                                      "resources and non-resource URLs"))
            continue
        if not groups:
            errs.append(required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
        if not resources:
            errs.append(required(f"{path}.resources", "resource rules must supply at least one resource"))


def validate_role(obj: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(obj, namespaced=True, name_check=path_segment_problems)
    _rules(obj, True, errs)
    return errs


def validate_cluster_role(obj: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(obj, namespaced=False, name_check=path_segment_problems)
    _rules(obj, False, errs)
    agg = get_dict(obj, "aggregationRule", "", errs)
    if agg:
        for i, sel in enumerate(get_list(agg, "clusterRoleSelectors", "aggregationRule", errs) or []):
            errs += validate_label_selector(sel, f"aggregationRule.clusterRoleSelectors[{i}]")
    return errs


def _binding(obj: dict[str, Any], old: dict[str, Any] | None, namespaced: bool) -> Errors:
    errs = validate_object_meta(obj, namespaced=namespaced, name_check=path_segment_problems)
    ref = get_dict(obj, "roleRef", "", errs)
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if not ref:
        errs.append(required("roleRef", ""))
    else:
        if ref.get("apiGroup") != GROUP:
            errs.append(not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), [GROUP]))
        if ref.get("kind") not in kinds:
            errs.append(not_supported("roleRef.kind", ref.get("kind", ""), kinds))
        name = ref.get("name")
        if not isinstance(name, str) or not name:
            errs.append(required("roleRef.name", ""))
        else:
            errs += [invalid("roleRef.name", name, p) for p in path_segment_problems(name)]
    if old is not None and ref != old.get("roleRef"):
        errs.append(invalid("roleRef", ref, "cannot change roleRef"))
    for i, s in enumerate(get_list(obj, "subjects", "", errs) or []):
        path = f"subjects[{i}]"
        if not isinstance(s, dict):
            errs.append(type_invalid(path, s, "object"))
            continue
        if not s.get("name"):
            errs.append(required(f"{path}.name", ""))
        kind = s.get("kind")
        if kind not in SUBJECT_KINDS:
            errs.append(not_supported(f"{path}.kind", kind or "", SUBJECT_KINDS))
        elif kind == "ServiceAccount":
            if s.get("apiGroup"):
                errs.append(not_supported(f"{path}.apiGroup", s["apiGroup"], [""]))
            if not namespaced and not s.get("namespace"):
                errs.append(required(f"{path}.namespace", ""))
        elif s.get("apiGroup") != GROUP:
            errs.append(not_supported(f"{path}.apiGroup", s.get("apiGroup", ""), [GROUP]))
    return errs


def validate_role_binding(obj: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    return _binding(obj, old, True)


def validate_cluster_role_binding(obj: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    return _binding(obj, old, False)

