"""/openapi/v2: Kubernetes' definitions as a Swagger 2.0 document, in protobuf or JSON.

kubectl reads /openapi/v3 first; it falls back to /openapi/v2, fetched as
protobuf, for a kind that document lacks (an unknown kind, a CRD-like group)
and for `kubectl explain --output plaintext-openapiv2`. A 404 there would fail
the whole `apply` with "the server could not find the requested resource"
instead of the real problem; here the document holds every served definition
(kube/api/schemas, descriptions included) and no paths, so an unknown kind is
simply not validated client-side and kubectl reports what Kubernetes users
expect: `no matches for kind "X" in version "Y"`.
"""

from __future__ import annotations

import functools

from kube.apiserver.handlers.health import GIT_VERSION
from kube.apiserver.openapi import v2_protobuf
from kube.apiserver.openapi.components import v2_definitions

PROTOBUF_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"  # no "@": Go's mime parser rejects it
TITLE = "Kubernetes"


@functools.cache
def protobuf_document() -> bytes:
    """openapi_v2.Document{swagger: "2.0", info: {title, version: GIT_VERSION}, definitions}."""
    return v2_protobuf.document(TITLE, GIT_VERSION, v2_definitions())


@functools.cache
def json_document() -> dict[str, object]:
    return {"swagger": "2.0", "info": {"title": TITLE, "version": GIT_VERSION}, "paths": {},
            "definitions": v2_definitions()}
