"""/openapi/v2: an empty Swagger 2.0 document, so kubectl's fallback validation passes.

kubectl validates with /openapi/v3; for a kind that document lacks (an unknown
kind, a CRD-like group) it falls back to /openapi/v2, fetched as protobuf, and a
404 there fails the whole `apply` with "the server could not find the requested
resource" instead of the real problem. With an (empty) v2 document the kind is
simply not validated client-side and kubectl reports what Kubernetes users
expect: `no matches for kind "X" in version "Y"`.
"""

from __future__ import annotations

from kube.apiserver.handlers.health import GIT_VERSION

PROTOBUF_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"  # no "@": Go's mime parser rejects it


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (payloads here are all < 128 bytes)."""
    assert len(payload) < 128
    return bytes([number << 3 | 2, len(payload)]) + payload


def protobuf_document() -> bytes:
    """openapi_v2.Document{swagger: "2.0", info: {title: "Kubernetes", version: GIT_VERSION}}."""
    info = _field(1, b"Kubernetes") + _field(2, GIT_VERSION.encode())
    return _field(1, b"2.0") + _field(2, info)


def json_document() -> dict[str, object]:
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": {},
            "definitions": {}}
