"""The rules every write follows, whatever the verb and the kind: identity,
metadata the server owns, status vs. spec, generation, defaults and validation;
each step calls the kind's strategy (`strategies/`) where a kind differs.

Kept apart from the HTTP handlers so create, update, patch, apply and the
subresources all apply the same rules in the same order.
"""

from __future__ import annotations

import copy
import secrets

from kube.api.errors import StatusError, bad_request, invalid_object
from kube.api.errors import required as field_required
from kube.api.meta import Obj, new_uid, now_rfc3339
from kube.api.registry import KindInfo
from kube.apiserver.strategies import strategy_for

# metadata the server alone sets; whatever a client sends for these is replaced
_SERVER_META = ("uid", "creationTimestamp", "resourceVersion", "generation", "deletionTimestamp",
                "deletionGracePeriodSeconds", "selfLink")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' generateName alphabet (no vowels)


def check_identity(kind: KindInfo, body: Obj, namespace: str, name: str) -> Obj:
    """Fill in or check apiVersion, kind, namespace and name against the URL (400 on mismatch)."""
    api_version = body.get("apiVersion")
    if api_version is None or api_version == "":
        body["apiVersion"] = kind.api_version
    elif api_version != kind.api_version:
        raise bad_request(f"the API version in the data ({api_version}) does not match the expected API version "
                          f"({kind.api_version})")
    body_kind = body.get("kind")
    if body_kind is None or body_kind == "":
        body["kind"] = kind.kind
    elif body_kind != kind.kind:
        raise bad_request(f"the kind in the data ({body_kind}) does not match the expected kind ({kind.kind})")
    meta = body.get("metadata")
    if meta is None:
        meta = body["metadata"] = {}
    if not isinstance(meta, dict):
        raise invalid_object(kind.kind, "", [field_required("metadata", "metadata must be an object")], kind.group)
    if kind.namespaced:
        body_ns = meta.get("namespace")
        if body_ns not in (None, "") and namespace and body_ns != namespace:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if namespace:
            meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    if name:
        body_name = meta.get("name")
        if body_name in (None, ""):
            meta["name"] = name
        elif body_name != name:
            raise bad_request(f"the name of the object ({body_name}) does not match the name on the URL ({name})")
    return body


def generate_name(meta: Obj) -> bool:
    """Give the object a name from generateName; True when one was generated."""
    if meta.get("name"):
        return False
    prefix = meta.get("generateName")
    if not isinstance(prefix, str) or not prefix:
        return False
    meta["name"] = prefix[:58] + "".join(secrets.choice(_NAME_CHARS) for _ in range(5))
    return True


def prepare_create(kind: KindInfo, obj: Obj) -> Obj:
    """Drop what the client may not set, stamp identity, then the kind's own preparation."""
    meta = obj["metadata"]
    for field in _SERVER_META:
        meta.pop(field, None)
    meta["uid"] = new_uid()
    meta["creationTimestamp"] = now_rfc3339()
    strategy_for(kind).prepare_create(obj)
    if isinstance(obj.get("spec"), dict):
        meta["generation"] = 1
    return obj


def prepare_update(kind: KindInfo, old: Obj, new: Obj, subresource: str = "") -> Obj:
    """Carry over what the server owns; keep spec out of /status and status out of the main resource."""
    meta, old_meta = new["metadata"], old["metadata"]
    for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    meta.pop("selfLink", None)
    custom = strategy_for(kind).prepare_subresource_update(subresource, new, old) if subresource else None
    if custom is not None:
        custom["metadata"]["resourceVersion"] = meta.get("resourceVersion", old_meta.get("resourceVersion"))
        return custom
    if subresource in ("status", "finalize"):
        # only the subresource's part changes; everything else stays as stored
        part, source = ("status", new) if subresource == "status" else ("spec", new)
        result = copy.deepcopy(old)
        if part in source:
            result[part] = source[part]
        else:
            result.pop(part, None)
        result["metadata"]["resourceVersion"] = meta.get("resourceVersion", old_meta.get("resourceVersion"))
        return result
    if "status" in kind.subresources:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    strategy_for(kind).prepare_update(new, old)
    if isinstance(new.get("spec"), dict):
        generation = int(old_meta.get("generation") or 1)
        meta["generation"] = generation + 1 if new["spec"] != old.get("spec") else generation
    return new


def admit(kind: KindInfo, obj: Obj, old: Obj | None = None) -> Obj:
    """Defaults, then validation: 422 Invalid with every field error as a cause."""
    from kube.api.defaults import apply_defaults

    try:
        obj = apply_defaults(obj)
        errors = strategy_for(kind).validate(obj, old)
    except StatusError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        # a value of the wrong type deep inside the object: still a 422, never a 500
        raise invalid_object(kind.kind, _name(obj), [field_required(
            "", f"the object could not be processed: {type(exc).__name__}: {exc}")], kind.group) from None
    if errors:
        raise invalid_object(kind.kind, _name(obj), list(errors), kind.group)
    return obj


def _name(obj: Obj) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else ""
    return name if isinstance(name, str) else ""


def same_content(a: Obj, b: Obj) -> bool:
    """Equal apart from resourceVersion: an update that changes nothing is not written (as Kubernetes)."""
    ma, mb = a.get("metadata", {}), b.get("metadata", {})
    if {k: v for k, v in ma.items() if k != "resourceVersion"} != {k: v for k, v in mb.items() if k != "resourceVersion"}:
        return False
    return {k: v for k, v in a.items() if k != "metadata"} == {k: v for k, v in b.items() if k != "metadata"}
