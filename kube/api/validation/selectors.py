"""Shape of label selectors and node selector terms (ValidateLabelSelector, ValidateNodeSelector*).

This checks what a selector may contain; matching lives in kube.api.labels.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import forbidden, invalid, not_supported, required, type_invalid
from kube.api.validation.field_types import Errors, child, dict_elements, get_list, get_str, index, string_map
from kube.api.validation.names import label_value_problems, qualified_name_problems, wrap
from kube.api.validation.object_meta import validate_labels

LABEL_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"]
NODE_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]


def _values(expr: dict[str, Any], path: str, errs: Errors) -> list[str]:
    out: list[str] = []
    for i, value in enumerate(get_list(expr, "values", path, errs) or []):
        if isinstance(value, str):
            out.append(value)
        else:
            errs.append(type_invalid(index(child(path, "values"), i), value, "string"))
    return out


def validate_label_selector(selector: dict[str, Any], path: str) -> Errors:
    """matchLabels as labels; each matchExpressions entry with a known operator and fitting values."""
    errs: Errors = []
    errs += validate_labels(string_map(selector, "matchLabels", path, errs), child(path, "matchLabels"))
    exprs_path = child(path, "matchExpressions")
    for _, expr_path, expr in dict_elements(get_list(selector, "matchExpressions", path, errs), exprs_path, errs):
        key = get_str(expr, "key", expr_path, errs)
        operator = get_str(expr, "operator", expr_path, errs)
        values = _values(expr, expr_path, errs)
        if operator in ("In", "NotIn"):
            if not values:
                errs.append(required(child(expr_path, "values"),
                                     "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                errs.append(forbidden(child(expr_path, "values"),
                                      "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        elif operator is not None or "operator" not in expr:
            errs.append(invalid(child(expr_path, "operator"), operator or "", "not a valid selector operator"))
        if key is None and "key" not in expr:
            errs.append(required(child(expr_path, "key")))
        elif key is not None:
            errs += wrap(child(expr_path, "key"), key, qualified_name_problems(key))
        for i, value in enumerate(values):
            errs += wrap(index(child(expr_path, "values"), i), value, label_value_problems(value))
    return errs


def is_empty_label_selector(selector: dict[str, Any]) -> bool:
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def validate_node_selector_requirement(expr: dict[str, Any], path: str, errs: Errors,
                                       label_key: bool = True) -> None:
    key = get_str(expr, "key", path, errs, must=True)
    operator = get_str(expr, "operator", path, errs, must=True)
    values = _values(expr, path, errs)
    values_path = child(path, "values")
    if operator in ("In", "NotIn"):
        if not values:
            errs.append(required(values_path, "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errs.append(forbidden(values_path, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif operator in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(required(values_path, "must be specified single value when `operator` is 'Lt' or 'Gt'"))
        elif not _is_int(values[0]):
            errs.append(invalid(index(values_path, 0), values[0], "must be an integer"))
    elif operator is not None:
        errs.append(not_supported(child(path, "operator"), operator, NODE_OPERATORS))
    if key is not None and label_key:
        errs += wrap(child(path, "key"), key, qualified_name_problems(key))


def validate_node_selector_term(term: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    exprs_path = child(path, "matchExpressions")
    for _, expr_path, expr in dict_elements(get_list(term, "matchExpressions", path, errs), exprs_path, errs):
        validate_node_selector_requirement(expr, expr_path, errs)
    fields_path = child(path, "matchFields")
    for _, field_path, expr in dict_elements(get_list(term, "matchFields", path, errs), fields_path, errs):
        validate_node_selector_requirement(expr, field_path, errs, label_key=False)
        key = expr.get("key")
        if isinstance(key, str) and key != "metadata.name":
            errs.append(not_supported(child(field_path, "key"), key, ["metadata.name"]))
        elif expr.get("operator") in ("In", "NotIn") and len(expr.get("values") or []) != 1:
            errs.append(required(child(field_path, "values"), "must be only one value when `operator` is 'In' or "
                                 "'NotIn' for node field selector"))
    return errs


def _is_int(text: str) -> bool:
    body = text[1:] if text[:1] in "+-" else text
    return body.isascii() and body.isdigit()
