"""The rules every write follows, whatever the verb: identity, metadata the server
owns, status vs. spec, generation, defaults and validation.

Kept apart from the HTTP handlers so create, update, patch, apply and the
subresources all apply the same rules in the same order.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from kube.api.errors import StatusError, bad_request, invalid_object
from kube.api.errors import required as field_required
from kube.api.registry import KindInfo

# metadata the server alone sets; whatever a client sends for these is replaced
_SERVER_META = ("uid", "creationTimestamp", "resourceVersion", "generation", "deletionTimestamp",
                "deletionGracePeriodSeconds", "selfLink")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' generateName alphabet (no vowels)

# kinds whose status a create resets (the controllers and agents fill it in)
_RESET_STATUS_ON_CREATE = {"Deployment", "ReplicaSet", "PodDisruptionBudget", "Service", "Namespace", "Pod"}


def now() -> str:
    from kube.api.meta import now_rfc3339

    return now_rfc3339()


def new_uid() -> str:
    from kube.api.meta import new_uid as make_uid

    return make_uid()


def check_identity(kind: KindInfo, body: dict[str, Any], namespace: str, name: str) -> dict[str, Any]:
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


def generate_name(meta: dict[str, Any]) -> bool:
    """Give the object a name from generateName; True when one was generated."""
    if meta.get("name"):
        return False
    prefix = meta.get("generateName")
    if not isinstance(prefix, str) or not prefix:
        return False
    meta["name"] = prefix[:58] + "".join(secrets.choice(_NAME_CHARS) for _ in range(5))
    return True


def prepare_create(kind: KindInfo, obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    for field in _SERVER_META:
        meta.pop(field, None)
    meta["uid"] = new_uid()
    meta["creationTimestamp"] = now()
    if kind.kind in _RESET_STATUS_ON_CREATE:
        obj["status"] = _initial_status(kind.kind, obj)
    if kind.kind == "Namespace":
        spec = obj.setdefault("spec", {})
        if isinstance(spec, dict):
            spec.setdefault("finalizers", ["kubernetes"])
    if isinstance(obj.get("spec"), dict):
        meta["generation"] = 1
    return obj


def _initial_status(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    if kind == "Pod":
        return {"phase": "Pending", "qosClass": pod_qos_class(obj.get("spec"))}
    if kind == "Namespace":
        return {"phase": "Active"}
    if kind == "Service":
        return {"loadBalancer": {}}
    if kind == "PodDisruptionBudget":
        return {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}
    return {}


def pod_qos_class(spec: Any) -> str:
    """BestEffort / Guaranteed / Burstable, by Kubernetes' rule over requests and limits."""
    containers = spec.get("containers") if isinstance(spec, dict) else None
    if not isinstance(containers, list):
        return "BestEffort"
    any_set, guaranteed = False, True
    for c in containers:
        res = c.get("resources") if isinstance(c, dict) else None
        res = res if isinstance(res, dict) else {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if not isinstance(req, dict) or not isinstance(lim, dict):
            continue
        if req or lim:
            any_set = True
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and str(req[r]) != str(lim[r])):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def prepare_update(kind: KindInfo, old: dict[str, Any], new: dict[str, Any], subresource: str = "") -> dict[str, Any]:
    """Carry over what the server owns; keep spec out of /status and status out of the main resource."""
    meta, old_meta = new["metadata"], old["metadata"]
    for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    meta.pop("selfLink", None)
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
    if kind.kind == "Namespace" and "spec" in old:
        new["spec"] = old["spec"]  # spec.finalizers change only through /finalize
    if isinstance(new.get("spec"), dict):
        generation = int(old_meta.get("generation") or 1)
        meta["generation"] = generation + 1 if new["spec"] != old.get("spec") else generation
    return new


def admit(kind: KindInfo, obj: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then validation: 422 Invalid with every field error as a cause."""
    from kube.api.defaults import apply_defaults
    from kube.api.validation import validate

    try:
        obj = apply_defaults(obj)
        errors = validate(obj, old)
    except StatusError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        # a value of the wrong type deep inside the object: still a 422, never a 500
        raise invalid_object(kind.kind, _name(obj), [field_required(
            "", f"the object could not be processed: {type(exc).__name__}: {exc}")], kind.group) from None
    if errors:
        raise invalid_object(kind.kind, _name(obj), list(errors), kind.group)
    return obj


def _name(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else ""
    return name if isinstance(name, str) else ""


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from resourceVersion: an update that changes nothing is not written (as Kubernetes)."""
    ma, mb = a.get("metadata", {}), b.get("metadata", {})
    if {k: v for k, v in ma.items() if k != "resourceVersion"} != {k: v for k, v in mb.items() if k != "resourceVersion"}:
        return False
    return {k: v for k, v in a.items() if k != "metadata"} == {k: v for k, v in b.items() if k != "metadata"}
