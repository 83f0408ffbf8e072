"""ObjectMeta validation (ValidateObjectMeta, ValidateLabels, ValidateAnnotations, owner references)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube.api.errors import FieldError, forbidden, invalid, required, type_invalid
from kube.api.validation.field_types import (
    Errors,
    child,
    dict_elements,
    get_bool,
    get_dict,
    get_list,
    get_str,
    string_map,
)
from kube.api.validation.names import (
    TOTAL_ANNOTATION_SIZE,
    dns1123_label_problems,
    dns1123_subdomain_problems,
    label_value_problems,
    path_segment_problems,
    qualified_name_problems,
    wrap,
)

NameCheck = Callable[[str], list[str]]


def validate_labels(labels: dict[str, str], path: str) -> Errors:
    errs: Errors = []
    for key, value in labels.items():
        errs += wrap(path, key, qualified_name_problems(key))
        errs += wrap(path, value, label_value_problems(value))
    return errs


def validate_annotations(annotations: dict[str, str], path: str) -> Errors:
    errs: Errors = []
    total = 0
    for key, value in annotations.items():
        errs += wrap(path, key, qualified_name_problems(key.lower()))
        total += len(key.encode()) + len(value.encode())
    if total > TOTAL_ANNOTATION_SIZE:
        errs.append(FieldError("FieldValueTooLong", path, f"may not be more than {TOTAL_ANNOTATION_SIZE} bytes"))
    return errs


def validate_object_meta(obj: dict[str, Any], namespaced: bool, name_check: NameCheck = dns1123_subdomain_problems,
                         path: str = "metadata") -> Errors:
    """Name (or generateName), namespace scope, labels, annotations, owner references, finalizers."""
    errs: Errors = []
    meta = get_dict(obj, "metadata", "", errs, must=True) if path == "metadata" else obj
    if meta is None:
        return errs
    name = get_str(meta, "name", path, errs)
    generate_name = get_str(meta, "generateName", path, errs)
    if generate_name:
        masked = generate_name[:-1] + "a" if generate_name.endswith("-") and len(generate_name) > 1 else generate_name
        errs += wrap(child(path, "generateName"), generate_name, name_check(masked))
    if name:
        problems = path_segment_problems(name) or name_check(name)
        errs += wrap(child(path, "name"), name, problems)
    elif not generate_name and (name is not None or "name" not in meta or meta["name"] is None):
        errs.append(required(child(path, "name"), "name or generateName is required"))
    namespace = get_str(meta, "namespace", path, errs)
    if namespaced:
        if not namespace:
            errs.append(required(child(path, "namespace")))
        else:
            errs += wrap(child(path, "namespace"), namespace, dns1123_label_problems(namespace))
    elif namespace:
        errs.append(forbidden(child(path, "namespace"), "not allowed on this type"))
    errs += validate_labels(string_map(meta, "labels", path, errs), child(path, "labels"))
    errs += validate_annotations(string_map(meta, "annotations", path, errs), child(path, "annotations"))
    errs += _owner_references(meta, path)
    errs += _finalizers(meta, path)
    return errs


def _owner_references(meta: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    refs_path = child(path, "ownerReferences")
    refs = get_list(meta, "ownerReferences", path, errs)
    controllers: list[str] = []
    for _, ref_path, ref in dict_elements(refs, refs_path, errs):
        api_version = get_str(ref, "apiVersion", ref_path, errs, must=True)
        kind = get_str(ref, "kind", ref_path, errs, must=True)
        get_str(ref, "name", ref_path, errs, must=True)
        get_str(ref, "uid", ref_path, errs, must=True)
        if api_version is not None and kind is not None and kind == "List" and api_version == "v1":
            errs.append(invalid(ref_path, kind, "List is not a valid kind for an owner reference"))
        if get_bool(ref, "controller", ref_path, errs):
            controllers.append(f"{kind}/{ref.get('name')}")
        get_bool(ref, "blockOwnerDeletion", ref_path, errs)
    if len(controllers) > 1:
        errs.append(invalid(refs_path, refs,
                            "Only one reference can have Controller set to true. Found \"true\" in references for "
                            + " and ".join(controllers)))
    return errs


def _finalizers(meta: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    fpath = child(path, "finalizers")
    seen: set[str] = set()
    for i, item in enumerate(get_list(meta, "finalizers", path, errs) or []):
        if not isinstance(item, str):
            errs.append(type_invalid(f"{fpath}[{i}]", item, "string"))
            continue
        errs += wrap(f"{fpath}[{i}]", item, qualified_name_problems(item))
        if item in seen:
            errs.append(FieldError("FieldValueDuplicate", f"{fpath}[{i}]", "", item, True))
        seen.add(item)
    return errs


def validate_object_meta_update(new: dict[str, Any], old: dict[str, Any]) -> Errors:
    """name, namespace, uid and creationTimestamp never change once stored."""
    errs: Errors = []
    new_meta, old_meta = new.get("metadata"), old.get("metadata")
    if not isinstance(new_meta, dict) or not isinstance(old_meta, dict):
        return errs
    for key in ("name", "namespace", "uid", "creationTimestamp"):
        before, after = old_meta.get(key), new_meta.get(key)
        if before and after is not None and after != before:
            errs.append(invalid(f"metadata.{key}", after, "field is immutable"))
    return errs
