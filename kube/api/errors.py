"""Kubernetes-style errors: field errors from validation and `Status` objects.

A `StatusError` carries everything the API server needs to answer with a
`Status` body: code, reason, message and details (kind, name, causes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One invalid field, as Kubernetes reports it (`field.Error`)."""

    type: str  # FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueTypeInvalid, ...
    field: str  # path, e.g. "spec.template.metadata.labels"
    detail: str = ""
    value: Any = None
    has_value: bool = False

    # messages in Kubernetes' wording, keyed by type
    _WORDS = {
        "FieldValueRequired": "Required value",
        "FieldValueInvalid": "Invalid value",
        "FieldValueNotSupported": "Unsupported value",
        "FieldValueTypeInvalid": "Invalid value",
        "FieldValueDuplicate": "Duplicate value",
        "FieldValueForbidden": "Forbidden",
        "FieldValueTooLong": "Too long",
        "FieldValueTooMany": "Too many",
        "FieldValueNotFound": "Not found",
        "InternalError": "Internal error",
    }

    def message(self) -> str:
        words = self._WORDS.get(self.type, "Invalid value")
        text = f"{self.field}: {words}"
        if self.has_value and self.type not in ("FieldValueRequired", "FieldValueForbidden"):
            text += f": {_show(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def cause(self) -> dict[str, str]:
        return {"reason": self.type, "message": self.message().split(": ", 1)[1], "field": self.field}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError("FieldValueRequired", path, detail)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", path, detail, value, True)


def not_supported(path: str, value: Any, allowed: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(f'"{a}"' for a in allowed)
    return FieldError("FieldValueNotSupported", path, detail, value, True)


def type_invalid(path: str, value: Any, expected: str) -> FieldError:
    return FieldError("FieldValueTypeInvalid", path, f"must be of type {expected}", value, True)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError("FieldValueForbidden", path, detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError("FieldValueDuplicate", path, "", value, True)


@dataclass
class StatusError(Exception):
    """An error the API answers with a `Status` (metav1.Status) body."""

    code: int
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details:
            body["details"] = self.details
        body["code"] = self.code  # last, as in Go's metav1.Status
        return body


def _details(kind: str, name: str, group: str = "") -> dict[str, Any]:
    d: dict[str, Any] = {"kind": kind}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    return d


def _resource_ref(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, name: str, group: str = "") -> StatusError:
    return StatusError(404, "NotFound", f'{_resource_ref(resource, group)} "{name}" not found',
                       _details(resource, name, group))


def already_exists(resource: str, name: str, group: str = "") -> StatusError:
    return StatusError(409, "AlreadyExists", f'{_resource_ref(resource, group)} "{name}" already exists',
                       _details(resource, name, group))


def conflict(resource: str, name: str, detail: str, group: str = "") -> StatusError:
    return StatusError(409, "Conflict",
                       f'Operation cannot be fulfilled on {_resource_ref(resource, group)} "{name}": {detail}',
                       _details(resource, name, group))


def invalid_object(kind: str, name: str, errors: list[FieldError], group: str = "") -> StatusError:
    """422 Invalid, with every field error as a cause (as Kubernetes does)."""
    joined = ", ".join(e.message() for e in errors)
    if len(errors) > 1:
        joined = "[" + joined + "]"
    details = _details(kind, name, group)
    details["causes"] = [e.cause() for e in errors]
    qualified = f"{kind}.{group}" if group else kind
    return StatusError(422, "Invalid", f'{qualified} "{name}" is invalid: {joined}', details)


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def gone(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def too_large(message: str = "Request entity too large: limit is 1572864") -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", message)


def unsupported_media_type(content_type: str) -> StatusError:
    return StatusError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json (got {content_type!r})")


def method_not_allowed(message: str) -> StatusError:
    return StatusError(405, "MethodNotAllowed", message)


def unauthorized() -> StatusError:
    return StatusError(401, "Unauthorized", "Unauthorized")


def forbidden_request(user: str, verb: str, resource: str, group: str, namespace: str) -> StatusError:
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    res = _resource_ref(resource, group) if group else resource
    return StatusError(403, "Forbidden",
                       f'{res} is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group "{group}"{where}',
                       _details(resource, "", group))


def too_many_requests(message: str, retry_after: int = 1) -> StatusError:
    return StatusError(429, "TooManyRequests", message, {"retryAfterSeconds": retry_after},
                       {"Retry-After": str(retry_after)})


def internal(message: str) -> StatusError:
    return StatusError(500, "InternalError", message)


def service_unavailable(message: str) -> StatusError:
    return StatusError(503, "ServiceUnavailable", message)
