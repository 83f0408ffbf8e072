"""Validation of flowcontrol.apiserver.k8s.io/v1 FlowSchemas and PriorityLevelConfigurations, in the
words of Kubernetes' `pkg/apis/flowcontrol/validation`. That the mandatory objects keep their
fixed spec is the API server's rule (it owns the bootstrap configuration): its strategy adds it."""

from __future__ import annotations

import math
from typing import Any

from kube.api import meta
from kube.api.errors import duplicate, forbidden, invalid, not_supported, required
from kube.api.validation.field_types import (
    Errors,
    child,
    dict_elements,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_strings,
    index,
)
from kube.api.validation.names import dns1123_label_problems, dns1123_subdomain_problems, wrap
from kube.api.validation.object_meta import validate_object_meta

MAX_MATCHING_PRECEDENCE = 10000
MAX_QUEUES = 10 * 1000 * 1000
MAX_HASH_BITS = 60  # shufflesharding.MaxHashBits
DISTINGUISHER_METHODS = ["ByNamespace", "ByUser"]
SUBJECT_FIELDS = {"Group": "group", "ServiceAccount": "serviceAccount", "User": "user"}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"]
_NAMESPACE_INTRO = "each member of this list must be '*' or a DNS-1123 label; "


def _positive(spec: dict[str, Any], key: str, path: str, errs: Errors, detail: str = "must be positive") -> int | None:
    value = get_int(spec, key, path, errs)
    if value is not None and value <= 0:
        errs.append(invalid(child(path, key), value, detail))
    return value


def _percent(spec: dict[str, Any], key: str, path: str, errs: Errors) -> None:
    value = get_int(spec, key, path, errs)
    if value is not None and not 0 <= value <= 100:
        errs.append(invalid(child(path, key), value, "must be between 0 and 100, inclusive"))


def _conditions(obj: dict[str, Any], errs: Errors) -> None:
    seen: set[str] = set()
    status = get_dict(obj, "status", "", errs)
    for _, where, cond in dict_elements(get_list(status, "conditions", "status", errs), "status.conditions", errs):
        kind = get_str(cond, "type", where, errs) or ""
        if not kind:
            errs.append(required(f"{where}.type", "must not be empty"))
        elif kind in seen:
            errs.append(duplicate(f"{where}.type", kind))
        seen.add(kind)


def _wildcard_alone(values: list[str], path: str, what: str, errs: Errors) -> bool:
    """'*' matches everything, so it may not share its list; True when the list is just '*'."""
    if "*" not in values:
        return False
    if len(values) > 1:
        errs.append(invalid(path, values, f"if '*' is present, must not specify other {what}"))
    return True


def _verbs(rule: dict[str, Any], path: str, errs: Errors) -> None:
    verbs = get_strings(rule, "verbs", path, errs)
    if not verbs:
        errs.append(required(child(path, "verbs"), "verbs must contain at least one value"))
    elif not _wildcard_alone(verbs, child(path, "verbs"), "verbs", errs) and not set(verbs) <= set(VERBS):
        errs.append(not_supported(child(path, "verbs"), verbs, VERBS))


def non_resource_url_problem(url: str) -> str:
    """ValidateNonResourceURLPath: a slash-led path without blanks or '//', '*' only as a '/*' suffix."""
    if not url:
        return "must not be empty"
    if url == "/":
        return ""
    if not url.startswith("/"):
        return "must start with slash"
    if " " in url:
        return "must not contain white-space"
    if "//" in url:
        return "must not contain double slash"
    if url.count("*") > 1 or (url.count("*") == 1 and not url.endswith("/*")):
        return "wildcard can only do suffix matching"
    return ""


def _resource_rule(rule: dict[str, Any], path: str, errs: Errors) -> None:
    _verbs(rule, path, errs)
    for key, one, many in (("apiGroups", "api group", "api groups"), ("resources", "resource", "resources")):
        values = get_strings(rule, key, path, errs)
        if not values:
            errs.append(required(child(path, key), f"resource rules must supply at least one {one}"))
        else:
            _wildcard_alone(values, child(path, key), many, errs)
    namespaces = get_strings(rule, "namespaces", path, errs)
    if not namespaces and not get_bool(rule, "clusterScope", path, errs):
        errs.append(required(child(path, "namespaces"),
                             "resource rules that are not cluster scoped must supply at least one namespace"))
    elif not _wildcard_alone(namespaces, child(path, "namespaces"), "namespaces", errs):
        for i, namespace in enumerate(namespaces):
            errs += [invalid(index(child(path, "namespaces"), i), namespace, _NAMESPACE_INTRO + p)
                     for p in dns1123_label_problems(namespace)]


def _non_resource_rule(rule: dict[str, Any], path: str, errs: Errors) -> None:
    _verbs(rule, path, errs)
    urls = get_strings(rule, "nonResourceURLs", path, errs)
    where = child(path, "nonResourceURLs")
    if not urls:
        errs.append(required(where, "nonResourceURLs must contain at least one value"))
    elif not _wildcard_alone(urls, where, "non-resource URLs", errs):
        for i, url in enumerate(urls):
            problem = non_resource_url_problem(url)
            if problem:
                errs.append(invalid(index(where, i), url, problem))


def _subject(subject: dict[str, Any], path: str, errs: Errors) -> None:
    kind = get_str(subject, "kind", path, errs) or ""
    if kind not in SUBJECT_FIELDS:
        errs.append(not_supported(child(path, "kind"), kind, sorted(SUBJECT_FIELDS)))
        return
    for other_kind, other in SUBJECT_FIELDS.items():
        if other_kind != kind and subject.get(other) is not None:
            errs.append(forbidden(child(path, other), f"{other} is forbidden when subject kind is not '{other_kind}'"))
    field = SUBJECT_FIELDS[kind]
    where = child(path, field)
    body = get_dict(subject, field, path, errs)
    if body is None:
        errs.append(required(where, f"{field} is required when subject kind is '{kind}'"))
        return
    name = get_str(body, "name", where, errs) or ""
    if not name:
        errs.append(required(child(where, "name")))
    if kind != "ServiceAccount":
        return
    if name and name != "*":
        errs += wrap(child(where, "name"), name, dns1123_subdomain_problems(name))
    namespace = get_str(body, "namespace", where, errs) or ""
    if not namespace:
        errs.append(required(child(where, "namespace"), "must specify namespace for service account"))
    else:
        errs += wrap(child(where, "namespace"), namespace, dns1123_label_problems(namespace))


def _rules_with_subjects(rule: dict[str, Any], path: str, errs: Errors) -> None:
    subjects = dict_elements(get_list(rule, "subjects", path, errs), child(path, "subjects"), errs)
    if not subjects and not rule.get("subjects"):
        errs.append(required(child(path, "subjects"), "subjects must contain at least one value"))
    for _, where, subject in subjects:
        _subject(subject, where, errs)
    resource_rules = get_list(rule, "resourceRules", path, errs)
    non_resource_rules = get_list(rule, "nonResourceRules", path, errs)
    if not resource_rules and not non_resource_rules:
        errs.append(required(path, "at least one of resourceRules and nonResourceRules has to be non-empty"))
    for _, where, item in dict_elements(resource_rules, child(path, "resourceRules"), errs):
        _resource_rule(item, where, errs)
    for _, where, item in dict_elements(non_resource_rules, child(path, "nonResourceRules"), errs):
        _non_resource_rule(item, where, errs)


def _flow_schema_spec(name: str, spec: dict[str, Any], errs: Errors) -> None:
    precedence = _positive(spec, "matchingPrecedence", "spec", errs, "must be a positive value")
    if precedence is not None and precedence > MAX_MATCHING_PRECEDENCE:
        errs.append(invalid("spec.matchingPrecedence", precedence, f"must not be greater than {MAX_MATCHING_PRECEDENCE}"))
    if precedence == 1 and name != "exempt":
        errs.append(invalid("spec.matchingPrecedence", 1, "only the schema named 'exempt' may have matchingPrecedence 1"))
    method = get_dict(spec, "distinguisherMethod", "spec", errs)
    if method is not None:
        kind = get_str(method, "type", "spec.distinguisherMethod", errs) or ""
        if kind not in DISTINGUISHER_METHODS:
            errs.append(not_supported("spec.distinguisherMethod.type", kind, DISTINGUISHER_METHODS))
    reference = get_dict(spec, "priorityLevelConfiguration", "spec", errs) or {}
    level = get_str(reference, "name", "spec.priorityLevelConfiguration", errs) or ""
    if not level:
        errs.append(required("spec.priorityLevelConfiguration.name", "must reference a priority level"))
    else:
        errs += wrap("spec.priorityLevelConfiguration.name", level, dns1123_subdomain_problems(level))
    for _, where, rule in dict_elements(get_list(spec, "rules", "spec", errs), "spec.rules", errs):
        _rules_with_subjects(rule, where, errs)


def validate_flow_schema(fs: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(fs, namespaced=False)
    spec = get_dict(fs, "spec", "", errs)
    _flow_schema_spec(meta.name(fs), spec or {}, errs)
    _conditions(fs, errs)
    return errs


def _queuing(queuing: dict[str, Any], path: str, errs: Errors) -> None:
    _positive(queuing, "queueLengthLimit", path, errs)
    queues = _positive(queuing, "queues", path, errs)
    if queues is not None and queues > MAX_QUEUES:
        errs.append(invalid(child(path, "queues"), queues, f"must not be greater than {MAX_QUEUES}"))
    hand = _positive(queuing, "handSize", path, errs)
    if hand is None or hand <= 0 or queues is None or queues <= 0:
        return
    if hand > queues:
        errs.append(invalid(child(path, "handSize"), hand, f"should not be greater than queues ({queues})"))
    elif math.ceil(math.log2(queues) * hand) > MAX_HASH_BITS:  # shufflesharding.RequiredEntropyBits
        errs.append(invalid(child(path, "handSize"), hand, f"required entropy bits of deckSize {queues} and "
                            f"handSize {hand} should not be greater than {MAX_HASH_BITS}"))


def _limit_response(response: dict[str, Any], path: str, errs: Errors) -> None:
    kind = get_str(response, "type", path, errs) or ""
    queuing = get_dict(response, "queuing", path, errs)
    if kind == "Reject":
        if response.get("queuing") is not None:
            errs.append(forbidden(child(path, "queuing"), "must be nil if limited.limitResponse.type is not Limited"))
    elif kind == "Queue":
        if queuing is None:
            errs.append(required(child(path, "queuing"), "must not be empty if limited.limitResponse.type is Limited"))
        else:
            _queuing(queuing, child(path, "queuing"), errs)
    else:
        errs.append(not_supported(child(path, "type"), kind, ["Queue", "Reject"]))


def _shares(level: dict[str, Any], path: str, errs: Errors) -> None:
    shares = get_int(level, "nominalConcurrencyShares", path, errs)
    if shares is not None and shares < 0:
        errs.append(invalid(child(path, "nominalConcurrencyShares"), shares, "must be a non-negative integer"))
    _percent(level, "lendablePercent", path, errs)


def _priority_level_spec(name: str, spec: dict[str, Any], errs: Errors) -> None:
    kind = get_str(spec, "type", "spec", errs) or ""
    if (name == "exempt") != (kind == "Exempt"):
        errs.append(invalid("spec.type", kind, "type must be 'Exempt' if and only if name is 'exempt'"))
    exempt, limited = get_dict(spec, "exempt", "spec", errs), get_dict(spec, "limited", "spec", errs)
    if kind == "Exempt":
        if spec.get("limited") is not None:
            errs.append(forbidden("spec.limited", "must be nil if the type is not Limited"))
        if exempt is not None:
            _shares(exempt, "spec.exempt", errs)
    elif kind == "Limited":
        if spec.get("exempt") is not None:
            errs.append(forbidden("spec.exempt", "must be nil if the type is Limited"))
        if limited is None:
            errs.append(required("spec.limited", "must not be empty when type is Limited"))
            return
        _shares(limited, "spec.limited", errs)
        borrowing = get_int(limited, "borrowingLimitPercent", "spec.limited", errs)
        if borrowing is not None and borrowing < 0:
            errs.append(invalid("spec.limited.borrowingLimitPercent", borrowing,
                                "if specified, must be a non-negative integer"))
        _limit_response(get_dict(limited, "limitResponse", "spec.limited", errs) or {}, "spec.limited.limitResponse",
                        errs)
    else:
        errs.append(not_supported("spec.type", kind, ["Exempt", "Limited"]))


def validate_priority_level_configuration(pl: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(pl, namespaced=False)
    spec = get_dict(pl, "spec", "", errs)
    _priority_level_spec(meta.name(pl), spec or {}, errs)
    _conditions(pl, errs)
    return errs
