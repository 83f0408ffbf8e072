"""OpenAPI v3 component schemas for the registry's kinds: loose on purpose.

kubectl validates on the client only when the server cannot (no
`fieldValidation` parameter); we advertise that parameter, so these schemas
serve `kubectl explain` and tools that look kinds up by
`x-kubernetes-group-version-kind`. They name the envelope (apiVersion, kind,
metadata) precisely and leave everything else open
(`x-kubernetes-preserve-unknown-fields`), so no valid manifest is ever
rejected by a schema that is less complete than the server's own validation.
"""

from __future__ import annotations

from typing import Any

from kube.api.registry import KindInfo

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_PACKAGES = {"": "io.k8s.api.core.", "apps": "io.k8s.api.apps.", "policy": "io.k8s.api.policy.",
             "coordination.k8s.io": "io.k8s.api.coordination.", "autoscaling": "io.k8s.api.autoscaling."}


def schema_name(group: str, version: str, kind: str) -> str:
    """Kubernetes' definition name, e.g. io.k8s.api.apps.v1.Deployment."""
    package = _PACKAGES.get(group, "io.k8s.api." + group.split(".")[0] + ".")
    return f"{package}{version}.{kind}"


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _wrapped(name: str, description: str = "") -> dict[str, Any]:
    """A property holding another schema, the way Kubernetes writes it (allOf + default)."""
    out: dict[str, Any] = {"allOf": [ref(name)], "default": {}}
    if description:
        out["description"] = description
    return out


_STRING = {"type": "string"}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string", "default": ""}}
_OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def _gvk(group: str, version: str, kind: str) -> list[dict[str, str]]:
    return [{"group": group, "kind": kind, "version": version}]


_ENVELOPE = {
    "apiVersion": {"type": "string", "description": "APIVersion defines the versioned schema of this "
                   "representation of an object."},
    "kind": {"type": "string", "description": "Kind is a string value representing the REST resource this "
             "object represents."},
}

# top-level fields besides apiVersion/kind/metadata, per kind (others: spec and status)
_TOP_LEVEL: dict[str, dict[str, Any]] = {
    "ConfigMap": {"data": _STRING_MAP, "binaryData": {"type": "object", "additionalProperties": {
        "type": "string", "format": "byte"}}, "immutable": {"type": "boolean"}},
    "Secret": {"data": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}},
               "stringData": _STRING_MAP, "type": _STRING, "immutable": {"type": "boolean"}},
    "Endpoints": {"subsets": {"type": "array", "items": _OPEN}},
    "Event": {k: _STRING for k in ("reason", "message", "type", "action", "reportingComponent",
                                   "reportingInstance", "firstTimestamp", "lastTimestamp", "eventTime")}
    | {"involvedObject": _OPEN, "related": _OPEN, "source": _OPEN, "series": _OPEN,
       "count": {"type": "integer", "format": "int32"}},
    "Binding": {"target": _OPEN},
    "Eviction": {"deleteOptions": _wrapped(META + "DeleteOptions")},
}


def kind_schema(group: str, version: str, kind: str, description: str = "") -> dict[str, Any]:
    props: dict[str, Any] = dict(_ENVELOPE)
    props["metadata"] = _wrapped(META + "ObjectMeta", "Standard object's metadata.")
    extra = _TOP_LEVEL.get(kind)
    if extra is None:
        props["spec"] = dict(_OPEN, description=f"Desired state of the {kind}.")
        props["status"] = dict(_OPEN, description=f"Observed state of the {kind}.")
    else:
        props.update(extra)
    return {
        "description": description or f"{kind} ({group or 'core'}/{version}).",
        "type": "object",
        "properties": props,
        "x-kubernetes-preserve-unknown-fields": True,
        "x-kubernetes-group-version-kind": _gvk(group, version, kind),
    }


def list_schema(kind: KindInfo) -> dict[str, Any]:
    return {
        "description": f"{kind.list_kind_name} is a list of {kind.kind} objects.",
        "type": "object",
        "required": ["items"],
        "properties": dict(_ENVELOPE) | {
            "items": {"type": "array", "items": _wrapped(schema_name(kind.group, kind.version, kind.kind))},
            "metadata": _wrapped(META + "ListMeta"),
        },
        "x-kubernetes-group-version-kind": _gvk(kind.group, kind.version, kind.list_kind_name),
    }


_TIME = {"type": "string", "format": "date-time"}

_OBJECT_META = {
    "description": "ObjectMeta is metadata that all persisted resources must have.",
    "type": "object",
    "properties": {
        "name": _STRING, "generateName": _STRING, "namespace": _STRING, "selfLink": _STRING, "uid": _STRING,
        "resourceVersion": _STRING, "generation": {"type": "integer", "format": "int64"},
        "creationTimestamp": _TIME, "deletionTimestamp": _TIME,
        "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
        "labels": _STRING_MAP, "annotations": _STRING_MAP,
        "ownerReferences": {"type": "array", "items": _OPEN, "x-kubernetes-patch-merge-key": "uid",
                            "x-kubernetes-patch-strategy": "merge"},
        "finalizers": {"type": "array", "items": {"type": "string", "default": ""},
                       "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"},
        "managedFields": {"type": "array", "items": _OPEN},
    },
}

_LIST_META = {
    "type": "object",
    "properties": {"resourceVersion": _STRING, "continue": _STRING, "selfLink": _STRING,
                   "remainingItemCount": {"type": "integer", "format": "int64"}},
}

_STATUS = {
    "type": "object",
    "properties": dict(_ENVELOPE) | {"metadata": _wrapped(META + "ListMeta"), "status": _STRING,
                                     "message": _STRING, "reason": _STRING, "details": _OPEN,
                                     "code": {"type": "integer", "format": "int32"}},
    "x-kubernetes-group-version-kind": _gvk("", "v1", "Status"),
}

_DELETE_OPTIONS = {
    "type": "object",
    "properties": dict(_ENVELOPE) | {
        "gracePeriodSeconds": {"type": "integer", "format": "int64"}, "preconditions": _OPEN,
        "propagationPolicy": _STRING, "orphanDependents": {"type": "boolean"},
        "dryRun": {"type": "array", "items": {"type": "string", "default": ""}},
    },
    "x-kubernetes-group-version-kind": [{"group": g, "kind": "DeleteOptions", "version": "v1"}
                                        for g in ("", "apps", "coordination.k8s.io", "policy")],
}

_WATCH_EVENT = {
    "type": "object",
    "required": ["type", "object"],
    "properties": {"type": _STRING, "object": _OPEN},
}


def shared_schemas() -> dict[str, dict[str, Any]]:
    """apimachinery types every group document refers to."""
    return {
        META + "ObjectMeta": _OBJECT_META,
        META + "ListMeta": _LIST_META,
        META + "Status": _STATUS,
        META + "DeleteOptions": _DELETE_OPTIONS,
        META + "Patch": {"type": "object", "description": "Patch is provided to give a concrete name and "
                         "type to the Kubernetes PATCH request body."},
        META + "WatchEvent": _WATCH_EVENT,
    }
