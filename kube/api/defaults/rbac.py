"""Defaults for rbac.authorization.k8s.io/v1 bindings, as Kubernetes' rbac/v1 defaults.go: a
User or Group subject and the roleRef without an apiGroup are in rbac.authorization.k8s.io
(a ServiceAccount subject stays in the core group), so hand-written bindings that leave
it out are accepted as there."""

from __future__ import annotations

from typing import Any

GROUP = "rbac.authorization.k8s.io"


def default_binding(binding: dict[str, Any]) -> None:
    ref = binding.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = GROUP
    subjects = binding.get("subjects")
    for subject in subjects if isinstance(subjects, list) else ():
        if isinstance(subject, dict) and not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = GROUP
