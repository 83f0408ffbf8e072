"""Defaults of certificates.k8s.io/v1: a condition without a status is "True"
(SetDefaults_CertificateSigningRequestCondition)."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.setters import child_dict, default_string


def default_certificate_signing_request(csr: dict[str, Any]) -> None:
    status = child_dict(csr, "status")
    conditions = status.get("conditions") if status is not None else None
    for cond in conditions if isinstance(conditions, list) else []:
        if isinstance(cond, dict):
            default_string(cond, "status", "True")
