"""Compute resources: quantities that parse, known resource names, requests <= limits."""

from __future__ import annotations

import re
from typing import Any

from kube.api.errors import invalid, type_invalid
from kube.api.quantity import Quantity, QuantityError, parse_quantity
from kube.api.validation.field_types import Errors, child, get_dict, keyed
from kube.api.validation.names import qualified_name_problems

STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_HUGEPAGES = re.compile(r"^hugepages-")


def parse_quantity_field(value: Any, path: str, errs: Errors) -> Quantity | None:
    """A quantity (string or JSON number); reports the apimachinery parse error at `path`."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errs.append(type_invalid(path, value, "string"))
        return None
    try:
        return parse_quantity(value)
    except QuantityError as exc:
        errs.append(invalid(path, value, str(exc)))
        return None


def _resource_name_ok(name: str) -> bool:
    if name in STANDARD_CONTAINER_RESOURCES or _HUGEPAGES.match(name):
        return True
    return "/" in name and not qualified_name_problems(name)


def resource_list(parent: dict[str, Any], key: str, path: str, errs: Errors,
                  check_names: bool = True) -> dict[str, Quantity]:
    """A ResourceList: name -> non-negative quantity."""
    out: dict[str, Quantity] = {}
    items = get_dict(parent, key, path, errs)
    list_path = child(path, key)
    for name, value in (items or {}).items():
        item_path = keyed(list_path, name)
        if check_names and not _resource_name_ok(name):
            errs.append(invalid(item_path, name, "must be a standard resource type or fully qualified"))
            continue
        quantity = parse_quantity_field(value, item_path, errs)
        if quantity is None:
            continue
        if quantity < Quantity(0):
            errs.append(invalid(item_path, str(quantity), "must be greater than or equal to 0"))
            continue
        out[name] = quantity
    return out


def validate_resource_requirements(container: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    resources = get_dict(container, "resources", path, errs)
    if resources is None:
        return errs
    rpath = child(path, "resources")
    limits = resource_list(resources, "limits", rpath, errs)
    requests = resource_list(resources, "requests", rpath, errs)
    for name, request in requests.items():
        limit = limits.get(name)
        if limit is not None and request > limit:
            errs.append(invalid(keyed(child(rpath, "requests"), name), str(request),
                                f"must be less than or equal to {name} limit of {limit}"))
        if _HUGEPAGES.match(name) and limit is not None and request != limit:
            errs.append(invalid(keyed(child(rpath, "requests"), name), str(request),
                                f"must be equal to {name} limit of {limit}"))
    return errs
