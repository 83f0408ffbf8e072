"""Object metadata accessors used everywhere.

Objects travel as JSON-shaped dicts; these accessors read them defensively
(a missing or wrongly typed field reads as empty) so callers on hot paths
need no try/except and never trip over a half-built object.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]


def now_rfc3339() -> str:
    """UTC time at second precision, as Kubernetes writes metav1.Time ("2026-01-02T03:04:05Z")."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_rfc3339_micro() -> str:
    """UTC time at microsecond precision (metav1.MicroTime, used by Lease and events.k8s.io)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (with `Z` or an offset, optional fraction) into an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def new_uid() -> str:
    """A random UUID string, as the API server assigns to metadata.uid."""
    return str(uuid.uuid4())


def metadata(obj: Obj) -> dict[str, Any]:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return meta if isinstance(meta, dict) else {}


def _text(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return value if isinstance(value, str) else ""


def name(obj: Obj) -> str:
    return _text(metadata(obj), "name")


def namespace(obj: Obj) -> str:
    return _text(metadata(obj), "namespace")


def uid(obj: Obj) -> str:
    return _text(metadata(obj), "uid")


def resource_version(obj: Obj) -> str:
    return _text(metadata(obj), "resourceVersion")


def object_key(obj: Obj) -> str:
    """client-go's MetaNamespaceKeyFunc: `namespace/name`, or `name` for cluster-scoped objects
    (the informer, work-queue and owner key; the API server's store keys are its own)."""
    return join_key(namespace(obj), name(obj))


def join_key(namespace: str | None, name: str) -> str:
    """The key of object `name` in `namespace` (None or "" for a cluster-scoped object)."""
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> tuple[str | None, str]:
    """client-go's SplitMetaNamespaceKey: (namespace, name), namespace None for cluster-scoped keys."""
    namespace, sep, name = key.partition("/")
    return (namespace, name) if sep else (None, namespace)


def labels(obj: Obj) -> dict[str, str]:
    value = metadata(obj).get("labels")
    return value if isinstance(value, dict) else {}


def annotations(obj: Obj) -> dict[str, str]:
    value = metadata(obj).get("annotations")
    return value if isinstance(value, dict) else {}


def owner_refs(obj: Obj) -> list[dict[str, Any]]:
    value = metadata(obj).get("ownerReferences")
    if not isinstance(value, list):
        return []
    return [ref for ref in value if isinstance(ref, dict)]


def controller_ref(obj: Obj) -> dict[str, Any] | None:
    """The owner reference with `controller: true`, if any (at most one is valid)."""
    for ref in owner_refs(obj):
        if ref.get("controller") is True:
            return ref
    return None


def is_controlled_by(obj: Obj, owner_uid: str) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == owner_uid


def is_being_deleted(obj: Obj) -> bool:
    return bool(metadata(obj).get("deletionTimestamp"))


def finalizers(obj: Obj) -> list[str]:
    value = metadata(obj).get("finalizers")
    return [f for f in value if isinstance(f, str)] if isinstance(value, list) else []
