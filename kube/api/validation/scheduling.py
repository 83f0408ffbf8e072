"""Pod scheduling constraints: nodeSelector, tolerations, affinity, topologySpreadConstraints."""

from __future__ import annotations

from typing import Any

from kube.api.errors import duplicate, invalid, not_supported, required
from kube.api.validation.field_types import (
    Errors,
    child,
    dict_elements,
    get_dict,
    get_int,
    get_list,
    get_str,
    string_map,
)
from kube.api.validation.names import label_value_problems, qualified_name_problems, wrap
from kube.api.validation.object_meta import validate_labels
from kube.api.validation.selectors import validate_label_selector, validate_node_selector_term

TOLERATION_OPERATORS = ["Equal", "Exists"]
TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
UNSATISFIABLE_ACTIONS = ["DoNotSchedule", "ScheduleAnyway"]
INCLUSION_POLICIES = ["Honor", "Ignore"]


def validate_scheduling(spec: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    errs += validate_labels(string_map(spec, "nodeSelector", path, errs), child(path, "nodeSelector"))
    errs += validate_tolerations(get_list(spec, "tolerations", path, errs), child(path, "tolerations"), errs)
    affinity = get_dict(spec, "affinity", path, errs)
    if affinity is not None:
        errs += _affinity(affinity, child(path, "affinity"))
    errs += _topology_spread(spec, path)
    return errs


def validate_tolerations(items: list[Any] | None, path: str, errs: Errors) -> Errors:
    out: Errors = []
    for _, tpath, tol in dict_elements(items, path, errs):
        key = get_str(tol, "key", tpath, out)
        operator = get_str(tol, "operator", tpath, out)
        value = get_str(tol, "value", tpath, out)
        effect = get_str(tol, "effect", tpath, out)
        seconds = get_int(tol, "tolerationSeconds", tpath, out, expected="int64")
        bad_operator_type = operator is None and tol.get("operator") is not None
        if key:
            out += wrap(child(tpath, "key"), key, qualified_name_problems(key))
        elif operator != "Exists" and not bad_operator_type:
            out.append(invalid(child(tpath, "operator"), operator or "",
                               "operator must be Exists when `key` is empty, which means \"match all values and "
                               "all keys\""))
        if bad_operator_type:
            pass
        elif operator in (None, "", "Equal"):
            if value:
                out += wrap(child(tpath, "operator"), value, label_value_problems(value))
        elif operator == "Exists":
            if value:
                out.append(invalid(child(tpath, "operator"), tol, "value must be empty when `operator` is 'Exists'"))
        else:
            out.append(not_supported(child(tpath, "operator"), operator, TOLERATION_OPERATORS))
        if effect and effect not in TAINT_EFFECTS:
            out.append(not_supported(child(tpath, "effect"), effect, TAINT_EFFECTS))
        if seconds is not None and effect != "NoExecute":
            out.append(invalid(child(tpath, "effect"), effect or "",
                               "effect must be 'NoExecute' when `tolerationSeconds` is set"))
    return out


def _weight(term: dict[str, Any], path: str, errs: Errors) -> None:
    weight = get_int(term, "weight", path, errs, must=True)
    if weight is not None and not 1 <= weight <= 100:
        errs.append(invalid(child(path, "weight"), weight, "must be in the range 1-100"))


def _affinity(affinity: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    node = get_dict(affinity, "nodeAffinity", path, errs)
    if node is not None:
        npath = child(path, "nodeAffinity")
        req = get_dict(node, "requiredDuringSchedulingIgnoredDuringExecution", npath, errs)
        if req is not None:
            rpath = child(npath, "requiredDuringSchedulingIgnoredDuringExecution")
            terms = get_list(req, "nodeSelectorTerms", rpath, errs)
            if not terms:
                errs.append(required(child(rpath, "nodeSelectorTerms"), "must have at least one node selector term"))
            for _, tpath, term in dict_elements(terms, child(rpath, "nodeSelectorTerms"), errs):
                errs += validate_node_selector_term(term, tpath)
        ppath = child(npath, "preferredDuringSchedulingIgnoredDuringExecution")
        for _, item_path, item in dict_elements(
                get_list(node, "preferredDuringSchedulingIgnoredDuringExecution", npath, errs), ppath, errs):
            _weight(item, item_path, errs)
            pref = get_dict(item, "preference", item_path, errs, must=True)
            if pref is not None:
                errs += validate_node_selector_term(pref, child(item_path, "preference"))
    for key in ("podAffinity", "podAntiAffinity"):
        pod = get_dict(affinity, key, path, errs)
        if pod is None:
            continue
        ppath = child(path, key)
        rpath = child(ppath, "requiredDuringSchedulingIgnoredDuringExecution")
        for _, tpath, term in dict_elements(
                get_list(pod, "requiredDuringSchedulingIgnoredDuringExecution", ppath, errs), rpath, errs):
            errs += _pod_affinity_term(term, tpath)
        wpath = child(ppath, "preferredDuringSchedulingIgnoredDuringExecution")
        for _, item_path, item in dict_elements(
                get_list(pod, "preferredDuringSchedulingIgnoredDuringExecution", ppath, errs), wpath, errs):
            _weight(item, item_path, errs)
            term = get_dict(item, "podAffinityTerm", item_path, errs, must=True)
            if term is not None:
                errs += _pod_affinity_term(term, child(item_path, "podAffinityTerm"))
    return errs


def _pod_affinity_term(term: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    for key in ("labelSelector", "namespaceSelector"):
        selector = get_dict(term, key, path, errs)
        if selector is not None:
            errs += validate_label_selector(selector, child(path, key))
    topology_key = get_str(term, "topologyKey", path, errs)
    if not topology_key:
        if "topologyKey" not in term or term["topologyKey"] in (None, ""):
            errs.append(required(child(path, "topologyKey"), "can not be empty"))
    else:
        errs += wrap(child(path, "topologyKey"), topology_key, qualified_name_problems(topology_key))
    for i, ns in enumerate(get_list(term, "namespaces", path, errs) or []):
        if not isinstance(ns, str):
            errs.append(invalid(f"{child(path, 'namespaces')}[{i}]", ns, "must be of type string"))
    return errs


def _topology_spread(spec: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    cpath = child(path, "topologySpreadConstraints")
    seen: set[tuple[str, str]] = set()
    for _, tpath, constraint in dict_elements(get_list(spec, "topologySpreadConstraints", path, errs), cpath, errs):
        max_skew = get_int(constraint, "maxSkew", tpath, errs)
        if max_skew is None and constraint.get("maxSkew") is None:
            max_skew = 0
        if max_skew is not None and max_skew <= 0:
            errs.append(invalid(child(tpath, "maxSkew"), max_skew, "must be greater than zero"))
        key = get_str(constraint, "topologyKey", tpath, errs)
        if not key:
            if constraint.get("topologyKey") in (None, ""):
                errs.append(required(child(tpath, "topologyKey"), "can not be empty"))
        else:
            errs += wrap(child(tpath, "topologyKey"), key, qualified_name_problems(key))
        action = get_str(constraint, "whenUnsatisfiable", tpath, errs)
        if action not in UNSATISFIABLE_ACTIONS and not (action is None and constraint.get("whenUnsatisfiable")
                                                        is not None):
            errs.append(not_supported(child(tpath, "whenUnsatisfiable"), action or "", UNSATISFIABLE_ACTIONS))
        if key and action:
            pair = (key, action)
            if pair in seen:
                errs.append(duplicate(tpath, f"{{{key}, {action}}}"))
            seen.add(pair)
        min_domains = get_int(constraint, "minDomains", tpath, errs)
        if min_domains is not None:
            if min_domains <= 0:
                errs.append(invalid(child(tpath, "minDomains"), min_domains, "must be greater than 0"))
            elif action != "DoNotSchedule":
                errs.append(invalid(child(tpath, "minDomains"), min_domains,
                                    "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not "
                                    + str(action)))
        for policy_key in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            policy = get_str(constraint, policy_key, tpath, errs)
            if policy is not None and policy not in INCLUSION_POLICIES:
                errs.append(not_supported(child(tpath, policy_key), policy, INCLUSION_POLICIES))
        selector = get_dict(constraint, "labelSelector", tpath, errs)
        if selector is not None:
            errs += validate_label_selector(selector, child(tpath, "labelSelector"))
    return errs
