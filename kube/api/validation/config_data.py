"""ConfigMap and Secret validation: key syntax, size limits, typed secrets, immutability."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from kube.api.errors import FieldError, forbidden, invalid, required, type_invalid
from kube.api.validation.field_types import Errors, get_bool, get_dict, get_str, keyed
from kube.api.validation.names import config_key_problems, wrap
from kube.api.validation.object_meta import validate_object_meta

MAX_DATA_BYTES = 1024 * 1024
_TYPED_SECRET_KEYS = {
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def _keys(obj: dict[str, Any], field: str, errs: Errors, base64_values: bool) -> dict[str, int]:
    """key -> size in bytes for every valid entry of obj[field]."""
    sizes: dict[str, int] = {}
    for key, value in (get_dict(obj, field, "", errs) or {}).items():
        path = keyed(field, key)
        errs += wrap(path, key, config_key_problems(key))
        if not isinstance(value, str):
            errs.append(type_invalid(path, value, "string"))
            continue
        if base64_values:
            try:
                sizes[key] = len(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                errs.append(invalid(path, "<secret contents redacted>", "illegal base64 data"))
        else:
            sizes[key] = len(value.encode())
    return sizes


def validate_config_map(cm: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(cm, namespaced=True)
    data = _keys(cm, "data", errs, base64_values=False)
    binary = _keys(cm, "binaryData", errs, base64_values=True)
    for key in data.keys() & binary.keys():
        errs.append(invalid(keyed("data", key), key, "duplicate of key present in binaryData"))
    if sum(data.values()) + sum(binary.values()) > MAX_DATA_BYTES:
        errs.append(FieldError("FieldValueTooLong", "", f"may not be more than {MAX_DATA_BYTES} bytes"))
    get_bool(cm, "immutable", "", errs)
    if old is not None:
        errs += _immutable(cm, old, ("data", "binaryData"))
    return errs


def validate_secret(secret: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(secret, namespaced=True)
    data = _keys(secret, "data", errs, base64_values=True)
    string_data = _keys(secret, "stringData", errs, base64_values=False)
    if sum(data.values()) + sum(string_data.values()) > MAX_DATA_BYTES:
        errs.append(FieldError("FieldValueTooLong", "data", f"may not be more than {MAX_DATA_BYTES} bytes"))
    kind = get_str(secret, "type", "", errs) or "Opaque"
    present = data.keys() | string_data.keys()
    for key in _TYPED_SECRET_KEYS.get(kind, ()):
        if key not in present:
            errs.append(required(keyed("data", key)))
    if kind == "kubernetes.io/basic-auth" and not present & {"username", "password"}:
        errs.append(required(keyed("data", "username")))
    if kind == "kubernetes.io/ssh-auth" and "ssh-privatekey" not in present:
        errs.append(required(keyed("data", "ssh-privatekey")))
    if kind == "kubernetes.io/service-account-token":
        annotations = (secret.get("metadata") or {}).get("annotations") or {}
        if not isinstance(annotations, dict) or not annotations.get("kubernetes.io/service-account.name"):
            errs.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    get_bool(secret, "immutable", "", errs)
    if old is not None:
        if old.get("type", "Opaque") != secret.get("type", "Opaque"):
            errs.append(invalid("type", secret.get("type"), "field is immutable"))
        errs += _immutable(secret, old, ("data",))
    return errs


def _immutable(new: dict[str, Any], old: dict[str, Any], fields: tuple[str, ...]) -> Errors:
    """Once `immutable: true` is stored, neither the data nor the flag may change."""
    if old.get("immutable") is not True:
        return []
    errs: Errors = []
    if new.get("immutable") is not True:
        errs.append(forbidden("immutable", "field is immutable when `immutable` is set"))
    for field in fields:
        if (new.get(field) or {}) != (old.get(field) or {}):
            errs.append(forbidden(field, "field is immutable when `immutable` is set"))
    return errs
