"""What of a request's objects is never written to the audit log, whatever the policy says.

Secrets hold credentials, and so do a TokenRequest's answer (serviceaccounts/token) and a
TokenReview's question: for these the request and response objects are left out at every
level, as Kubernetes' own recommended policies do with a Metadata rule for them (here it is
not left to the policy's author). The event keeps its metadata (who, what, when, the code),
and its `level` says Metadata, so it reads as what it holds. `omitManagedFields` drops
metadata.managedFields from objects and from a list's items, as Kubernetes does.
"""

from __future__ import annotations

from typing import Any

LEVEL_ORDER = {"None": 0, "Metadata": 1, "Request": 2, "RequestResponse": 3}
# (apiGroup, resource, subresource or None for any)
CREDENTIALS = frozenset({("", "secrets", None), ("", "serviceaccounts", "token"),
                         ("authentication.k8s.io", "tokenreviews", None)})


def holds_credentials(api_group: str, resource: str, subresource: str) -> bool:
    return (api_group, resource, None) in CREDENTIALS or (api_group, resource, subresource) in CREDENTIALS


def capped_level(level: str, api_group: str, resource: str, subresource: str) -> str:
    """`level`, or Metadata for resources whose bodies carry credentials."""
    if LEVEL_ORDER[level] > 1 and holds_credentials(api_group, resource, subresource):
        return "Metadata"
    return level


def without_managed_fields(obj: Any) -> Any:
    """`obj` with metadata.managedFields dropped (a list's items too); the input is not changed."""
    if not isinstance(obj, dict):
        return obj
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    items = obj.get("items")
    if isinstance(items, list) and any(isinstance(i, dict) and "managedFields" in (i.get("metadata") or {})
                                       for i in items):
        obj = {**obj, "items": [without_managed_fields(i) for i in items]}
    return obj
