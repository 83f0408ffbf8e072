"""An audit.k8s.io/v1 Event as a dict in Kubernetes' field order (the Go struct's), empty
fields left out as `omitempty` does; timestamps RFC 3339 with microseconds, in UTC."""

from __future__ import annotations

import math
import os
import time
from typing import Any

from kube.apiserver.auth.user import UserInfo

EVENT_HEAD = {"kind": "Event", "apiVersion": "audit.k8s.io/v1"}


_second: tuple[int, str] = (-1, "")  # the last whole second formatted: most events share it


def micro_time(t: float) -> str:
    """metav1.MicroTime's text: 2026-12-03T11:22:06.123456Z."""
    global _second
    frac, whole_f = math.modf(t)  # rounded as datetime.fromtimestamp rounds
    whole, micros = int(whole_f), round(frac * 1_000_000)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{micros:06d}Z"


def new_audit_id() -> str:
    """A random (version 4) UUID's text, as Kubernetes makes auditIDs; uuid.uuid4() at a third of its cost."""
    b = bytearray(os.urandom(16))
    b[6], b[8] = b[6] & 0x0F | 0x40, b[8] & 0x3F | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_USERS: dict[UserInfo, dict[str, Any]] = {}  # the same few users make most requests: made once each


def user_info(user: UserInfo | None) -> dict[str, Any]:
    """authentication/v1 UserInfo: username, uid, groups, extra (an unauthenticated request: {}).
    The dict is shared between events: read it, never change it."""
    if user is None:
        return {}
    found = _USERS.get(user)
    if found is None:
        if len(_USERS) > 10_000:
            _USERS.clear()
        found = _USERS[user] = _user_info(user)
    return found


def _user_info(user: UserInfo) -> dict[str, Any]:
    out: dict[str, Any] = {"username": user.name}
    if user.uid:
        out["uid"] = user.uid
    if user.groups:
        out["groups"] = list(user.groups)
    if user.extra:
        out["extra"] = user.extra_map()
    return out


def object_ref(resource: str, namespace: str, name: str, api_group: str, api_version: str,
               subresource: str) -> dict[str, Any]:
    """audit/v1 ObjectReference: resource, namespace, name, uid, apiGroup, apiVersion, resourceVersion, subresource."""
    out: dict[str, Any] = {"resource": resource}
    if namespace:
        out["namespace"] = namespace
    if name:
        out["name"] = name
    if api_group:
        out["apiGroup"] = api_group
    out["apiVersion"] = api_version
    if subresource:
        out["subresource"] = subresource
    return out


def response_status(code: int, status: dict[str, Any] | None) -> dict[str, Any]:
    """A metav1.Status as the audit log writes it: `{"metadata":{},"code":200}` on success; a
    failure's status, message, reason and details from the Status answered (no kind/apiVersion)."""
    out: dict[str, Any] = {"metadata": {}}
    if status is not None and code >= 300:
        for key in ("status", "message", "reason", "details"):
            if status.get(key):
                out[key] = status[key]
    out["code"] = code
    return out


def event(*, level: str, audit_id: str, stage: str, request_uri: str, verb: str, user: dict[str, Any],
          impersonated: dict[str, Any] | None, source_ips: list[str], user_agent: str,
          object_ref: dict[str, Any] | None, status: dict[str, Any] | None, request_object: Any,
          response_object: Any, received: str, stage_time: str, annotations: dict[str, str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {**EVENT_HEAD, "level": level, "auditID": audit_id, "stage": stage,
                           "requestURI": request_uri, "verb": verb, "user": user}
    if impersonated is not None:
        out["impersonatedUser"] = impersonated
    if source_ips:
        out["sourceIPs"] = source_ips
    if user_agent:
        out["userAgent"] = user_agent
    if object_ref is not None:
        out["objectRef"] = object_ref
    if status is not None:
        out["responseStatus"] = status
    if request_object is not None:
        out["requestObject"] = request_object
    if response_object is not None:
        out["responseObject"] = response_object
    out["requestReceivedTimestamp"] = received
    out["stageTimestamp"] = stage_time
    if annotations:
        out["annotations"] = annotations
    return out
