"""The patch strategy table of the built-in kinds: what the Go structs' tags say.

Kubernetes' strategic merge patch reads `patchStrategy` / `patchMergeKey` from
the Go types; we have no Go types, so this table holds the same tags for every
field of our kinds that has one. A field absent from the table has no tag: a
map merges key by key and a list is replaced whole (tolerations, taints, args).
"""

from __future__ import annotations

from typing import NamedTuple


class FieldPatch(NamedTuple):
    """The tags of one field: strategy ("merge", "replace", "retainKeys", "merge,retainKeys" or
    None), merge key (for lists of objects) and the type name of the value or list element."""

    strategy: str | None = None
    merge_key: str | None = None
    type: str | None = None


NO_TAGS = FieldPatch()

_OBJECT_META = {
    "finalizers": FieldPatch("merge"),
    "ownerReferences": FieldPatch("merge", "uid"),
}

_CONTAINER = {
    "ports": FieldPatch("merge", "containerPort"),
    "env": FieldPatch("merge", "name"),
    "volumeMounts": FieldPatch("merge", "mountPath"),
    "volumeDevices": FieldPatch("merge", "devicePath"),
}

_POD_SPEC = {
    "volumes": FieldPatch("merge,retainKeys", "name", "Volume"),
    "initContainers": FieldPatch("merge", "name", "Container"),
    "containers": FieldPatch("merge", "name", "Container"),
    "ephemeralContainers": FieldPatch("merge", "name", "Container"),
    "imagePullSecrets": FieldPatch("merge", "name"),
    "hostAliases": FieldPatch("merge", "ip"),
    "topologySpreadConstraints": FieldPatch("merge", "topologyKey"),
    "resourceClaims": FieldPatch("merge,retainKeys", "name"),
    "schedulingGates": FieldPatch("merge", "name"),
}

_CONDITIONS = FieldPatch("merge", "type")

TYPES: dict[str, dict[str, FieldPatch]] = {
    "ObjectMeta": _OBJECT_META,
    "Container": _CONTAINER,
    "Volume": {},
    "PodSpec": _POD_SPEC,
    "PodTemplateSpec": {"metadata": FieldPatch(type="ObjectMeta"), "spec": FieldPatch(type="PodSpec")},
    "PodStatus": {"conditions": _CONDITIONS, "podIPs": FieldPatch("merge", "ip"),
                  "hostIPs": FieldPatch("merge", "ip")},
    "NodeSpec": {"podCIDRs": FieldPatch("merge")},
    "NodeStatus": {"conditions": _CONDITIONS, "addresses": FieldPatch("merge", "type")},
    "ServiceSpec": {"ports": FieldPatch("merge", "port")},
    "ConditionsStatus": {"conditions": _CONDITIONS},
    "WorkloadSpec": {"template": FieldPatch(type="PodTemplateSpec")},
    "DeploymentSpec": {"template": FieldPatch(type="PodTemplateSpec"), "strategy": FieldPatch("retainKeys")},
    "PodDisruptionBudgetSpec": {"selector": FieldPatch("replace")},
}


def _root(spec: str | None = None, status: str | None = None) -> dict[str, FieldPatch]:
    fields = {"metadata": FieldPatch(type="ObjectMeta")}
    if spec:
        fields["spec"] = FieldPatch(type=spec)
    if status:
        fields["status"] = FieldPatch(type=status)
    return fields


KIND_ROOTS: dict[str, dict[str, FieldPatch]] = {
    "Pod": _root("PodSpec", "PodStatus"),
    "Node": _root("NodeSpec", "NodeStatus"),
    "Service": _root("ServiceSpec", "ConditionsStatus"),
    "Namespace": _root(None, "ConditionsStatus"),
    "ReplicaSet": _root("WorkloadSpec", "ConditionsStatus"),
    "Deployment": _root("DeploymentSpec", "ConditionsStatus"),
    "DaemonSet": _root("WorkloadSpec", "ConditionsStatus"),
    "ReplicationController": _root("WorkloadSpec", "ConditionsStatus"),
    "PodDisruptionBudget": _root("PodDisruptionBudgetSpec", "ConditionsStatus"),
}
for _kind in ("Endpoints", "Event", "ConfigMap", "Secret", "Lease", "Eviction", "Scale", "ControllerRevision"):
    KIND_ROOTS[_kind] = _root()
for _kind, _fields in list(KIND_ROOTS.items()):
    TYPES[f"{_kind}<root>"] = _fields


def root_type(kind: str) -> str | None:
    """The type name of a kind's top level, or None for kinds without a table (no merge keys)."""
    return f"{kind}<root>" if kind in KIND_ROOTS else None


def field_patch(type_name: str | None, field: str) -> FieldPatch:
    """The tags of `field` inside a value of type `type_name` (NO_TAGS when unknown)."""
    if type_name is None:
        return NO_TAGS
    return TYPES.get(type_name, {}).get(field, NO_TAGS)


def strategy_for(kind: str, path: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(patch strategy, merge key) of the field at `path` (field names; list items are transparent).

    `strategy_for("Deployment", ("spec", "template", "spec", "containers"))` is ("merge", "name").
    """
    type_name = root_type(kind)
    info = NO_TAGS
    for field in path:
        info = field_patch(type_name, field)
        type_name = info.type
    return info.strategy, info.merge_key
