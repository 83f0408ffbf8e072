"""pod-template-hash and revisions: how a Deployment names and orders its ReplicaSets.

The hash is FNV-32a over the template (canonical JSON) and the collision count,
rendered with Kubernetes' SafeEncodeString alphabet, so equal templates always get
the same ReplicaSet name (`<deployment>-<hash>`). Revisions are integers in the
`deployment.kubernetes.io/revision` annotation; `kubectl rollout history|undo` read them.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from kube.api.meta import Obj

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
CHANGE_CAUSE = "kubernetes.io/change-cause"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_NOT_COPIED = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def fnv32a(data: bytes) -> int:
    value = 2166136261
    for byte in data:
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """Kubernetes' rand.SafeEncodeString: no vowels (no words), no look-alike characters."""
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in text)


def semantic(value: Any) -> Any:
    """The value with empty maps, empty lists and nulls dropped: Go's omitempty makes them
    the same object (kubectl sends `resources: {}` back on undo where the server kept none),
    and Kubernetes compares and hashes the decoded structs, not the JSON."""
    if isinstance(value, dict):
        pruned = {k: semantic(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in ({}, [], None)}
    if isinstance(value, list):
        return [semantic(v) for v in value]
    return value


def template_hash(template: Obj, collision_count: int | None = None) -> str:
    data = orjson.dumps(semantic(template), option=orjson.OPT_SORT_KEYS)
    if collision_count is not None:
        data += int(collision_count).to_bytes(4, "little")
    return safe_encode(str(fnv32a(data)))


def without_hash(template: Obj) -> Obj:
    """The template with pod-template-hash dropped from its labels (EqualIgnoreHash)."""
    result = copy.deepcopy(template or {})
    labels = (result.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
        if not labels:
            result["metadata"].pop("labels")
    return result


def equal_ignoring_hash(a: Obj, b: Obj) -> bool:
    return semantic(without_hash(a)) == semantic(without_hash(b))


def revision(obj: Obj) -> int:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def max_revision(objs: list[Obj]) -> int:
    return max((revision(o) for o in objs), default=0)


def copied_annotations(deployment: Obj) -> dict[str, str]:
    """The Deployment's annotations a ReplicaSet carries (change-cause shows in rollout history)."""
    annotations = (deployment.get("metadata") or {}).get("annotations") or {}
    return {k: v for k, v in annotations.items() if k not in _NOT_COPIED}


def history_to_clean(deployment: Obj, old_sets: list[Obj]) -> list[Obj]:
    """Old ReplicaSets beyond revisionHistoryLimit, oldest revision first: only empty ones go."""
    limit = (deployment.get("spec") or {}).get("revisionHistoryLimit")
    if limit is None:
        return []
    cleanable = [rs for rs in old_sets if not (rs.get("metadata") or {}).get("deletionTimestamp")]
    excess = len(cleanable) - int(limit)
    if excess <= 0:
        return []
    cleanable.sort(key=lambda rs: (revision(rs), (rs.get("metadata") or {}).get("creationTimestamp", "")))
    return [rs for rs in cleanable[:excess] if _idle(rs)]


def _idle(rs: Obj) -> bool:
    """No pods wanted or left, and the ReplicaSet controller has seen its last change."""
    status = rs.get("status") or {}
    generation = int((rs.get("metadata") or {}).get("generation") or 0)
    return (int((rs.get("spec") or {}).get("replicas") or 0) == 0 and int(status.get("replicas") or 0) == 0
            and generation <= int(status.get("observedGeneration") or 0))
