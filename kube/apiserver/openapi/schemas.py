"""Names and references of OpenAPI component schemas.

The schemas themselves are Kubernetes' own (kube/api/schemas, served through
openapi/components.py); this names them as Kubernetes does, so paths can refer
to a kind's schema before the components are assembled.
"""

from __future__ import annotations

from typing import Any

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_PACKAGES = {"": "io.k8s.api.core.", "apps": "io.k8s.api.apps.", "policy": "io.k8s.api.policy.",
             "coordination.k8s.io": "io.k8s.api.coordination.", "autoscaling": "io.k8s.api.autoscaling."}


def schema_name(group: str, version: str, kind: str) -> str:
    """Kubernetes' definition name, e.g. io.k8s.api.apps.v1.Deployment."""
    package = _PACKAGES.get(group, "io.k8s.api." + group.split(".")[0] + ".")
    return f"{package}{version}.{kind}"


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}
