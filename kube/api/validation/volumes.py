"""Pod volumes: unique DNS-label names and exactly one source, with the common sources checked."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.pod import VOLUME_SOURCES
from kube.api.errors import duplicate, forbidden, invalid, not_supported, required
from kube.api.validation.field_types import Errors, child, dict_elements, get_dict, get_int, get_list, get_str
from kube.api.validation.names import dns1123_label_problems, dns1123_subdomain_problems, wrap
from kube.api.validation.resources import parse_quantity_field

EMPTY_DIR_MEDIA = ["", "Memory", "HugePages"]
HOST_PATH_TYPES = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice",
                   "BlockDevice"]


def validate_volumes(spec: dict[str, Any], path: str, errs: Errors) -> set[str]:
    """Report volume errors into `errs`; return the set of declared names (for volumeMounts)."""
    names: set[str] = set()
    vpath = child(path, "volumes")
    for _, item_path, volume in dict_elements(get_list(spec, "volumes", path, errs), vpath, errs):
        name = get_str(volume, "name", item_path, errs, must=True)
        if name is not None:
            errs += wrap(child(item_path, "name"), name, dns1123_label_problems(name))
            if name in names:
                errs.append(duplicate(child(item_path, "name"), name))
            names.add(name)
        sources = [s for s in VOLUME_SOURCES if volume.get(s) is not None]
        if not sources:
            errs.append(required(item_path, "must specify a volume type"))
        for extra in sources[1:]:
            errs.append(forbidden(child(item_path, extra), "may not specify more than 1 volume type"))
        for source in sources:
            body = get_dict(volume, source, item_path, errs)
            if body is not None:
                _source(source, body, child(item_path, source), errs)
    return names


def _mode(body: dict[str, Any], key: str, path: str, errs: Errors) -> None:
    mode = get_int(body, key, path, errs)
    if mode is not None and not 0 <= mode <= 0o777:
        errs.append(invalid(child(path, key), mode, "must be a number between 0 and 0777 (octal), both inclusive"))


def _source(source: str, body: dict[str, Any], path: str, errs: Errors) -> None:
    if source == "hostPath":
        get_str(body, "path", path, errs, must=True)
        kind = get_str(body, "type", path, errs)
        if kind is not None and kind not in HOST_PATH_TYPES:
            errs.append(not_supported(child(path, "type"), kind, HOST_PATH_TYPES))
    elif source == "emptyDir":
        medium = get_str(body, "medium", path, errs)
        if medium is not None and medium not in EMPTY_DIR_MEDIA:
            errs.append(not_supported(child(path, "medium"), medium, EMPTY_DIR_MEDIA))
        if body.get("sizeLimit") is not None:
            parse_quantity_field(body["sizeLimit"], child(path, "sizeLimit"), errs)
    elif source in ("secret", "configMap"):
        name_field = "secretName" if source == "secret" else "name"  # the API's two spellings of one field
        name = get_str(body, name_field, path, errs, must=True)
        if name:
            errs += wrap(child(path, name_field), name, dns1123_subdomain_problems(name))
        _mode(body, "defaultMode", path, errs)
        _items(body, path, errs)
    elif source == "persistentVolumeClaim":
        get_str(body, "claimName", path, errs, must=True)
    elif source == "downwardAPI":
        _mode(body, "defaultMode", path, errs)
    elif source == "projected":
        _mode(body, "defaultMode", path, errs)
        get_list(body, "sources", path, errs)


def _items(body: dict[str, Any], path: str, errs: Errors) -> None:
    for _, ipath, item in dict_elements(get_list(body, "items", path, errs), child(path, "items"), errs):
        get_str(item, "key", ipath, errs, must=True)
        target = get_str(item, "path", ipath, errs, must=True)
        if target and (target.startswith("/") or ".." in target.split("/")):
            errs.append(invalid(child(ipath, "path"), target, "must be a relative path without '..'"))
        _mode(item, "mode", ipath, errs)
