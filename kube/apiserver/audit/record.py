"""One request's audit record: what the dispatcher learns of it on the way, and its events.

The dispatcher tells it who authenticated (`user`), whom the request runs as when it
impersonates (`impersonated`), what it addresses (`info`, or only the path for non-resource
URLs), the authorizer's decision (annotations `authorization.k8s.io/decision` and `/reason`),
and whether it ended in an unexpected exception (`panicked`). The policy is asked once, with
the authenticated user (as Kubernetes' audit filter runs before impersonation), when the
first event is due; events for stages the policy omits are not made.
"""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from kube.apiserver.audit import event as ev
from kube.apiserver.audit.policy import Attributes, Decision, Policy
from kube.apiserver.audit.redaction import LEVEL_ORDER, capped_level
from kube.apiserver.auth.user import UserInfo
from kube.apiserver.handlers.request_info import RequestInfo

# subresources Kubernetes serves as long-running (its LongRunningRequestCheck), besides watches
LONG_RUNNING_SUBRESOURCES = frozenset({"exec", "attach", "portforward", "proxy", "log"})
# who a health or version check without credentials is, as Kubernetes' anonymous authenticator names it
ANONYMOUS = UserInfo("system:anonymous", ("system:unauthenticated",))
DECISION = "authorization.k8s.io/decision"
REASON = "authorization.k8s.io/reason"

CURRENT: ContextVar[Record | None] = ContextVar("kube_audit_record", default=None)


def current() -> Record | None:
    """The record of the request being served, or None when auditing is off."""
    return CURRENT.get()


def source_ips(request: web.Request) -> list[str]:
    """As Kubernetes' utilnet.SourceIPs: X-Forwarded-For's entries, X-Real-Ip, then the peer."""
    ips = [ip.strip() for ip in request.headers.get("X-Forwarded-For", "").split(",") if ip.strip()]
    for ip in (request.headers.get("X-Real-Ip", "").strip(), request.remote or ""):
        if ip and ip not in ips:
            ips.append(ip)
    return ips


@dataclass(slots=True)
class Record:
    request: web.Request
    policy: Policy
    audit_id: str = ""
    received: float = field(default_factory=time.time)
    user: UserInfo | None = None
    impersonated: UserInfo | None = None
    info: RequestInfo | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    panicked: bool = False
    decision: Decision | None = None
    level: str = "None"
    received_sent: bool = False

    def __post_init__(self) -> None:
        if not self.audit_id:
            given = self.request.headers.get("Audit-Id", "")
            self.audit_id = given if 0 < len(given) <= 128 else str(uuid.uuid4())

    def authorized(self, allowed: bool, reason: str) -> None:
        self.annotations[DECISION] = "allow" if allowed else "forbid"
        self.annotations[REASON] = reason

    @property
    def long_running(self) -> bool:
        info = self.info
        return info is not None and (info.verb == "watch" or info.subresource in LONG_RUNNING_SUBRESOURCES)

    @property
    def verb(self) -> str:
        return self.info.verb if self.info is not None else self.request.method.lower()

    def decide(self) -> Decision:
        """The policy's answer for this request (asked once) and the level its bodies may have."""
        if self.decision is None:
            user, info = self.user, self.info
            name, groups = (user.name, user.groups) if user is not None else (None, ())
            if info is None:
                attrs = Attributes(name, groups, self.verb, False, path=self.request.path)
            else:
                kind = info.kind
                attrs = Attributes(name, groups, info.verb, True, api_group=kind.group, resource=kind.plural,
                                   subresource=info.subresource, namespace=info.namespace, name=info.name)
            self.decision = self.policy.decide(attrs)
            self.level = self.decision.level if info is None else capped_level(
                self.decision.level, info.kind.group, info.kind.plural, info.subresource)
        return self.decision

    def wants(self, stage: str) -> bool:
        decision = self.decide()
        return decision.level != "None" and stage not in decision.omit_stages

    def object_ref(self, request_object: Any) -> dict[str, Any] | None:
        info = self.info
        if info is None:
            return None
        namespace, name = info.namespace, info.name
        if not name and isinstance(request_object, dict) and info.verb == "create" and not info.subresource:
            meta = request_object.get("metadata")
            if isinstance(meta, dict):  # as Kubernetes' LogRequestObject completes it from the object
                name = name or str(meta.get("name") or "")
                namespace = namespace or str(meta.get("namespace") or "")
        return ev.object_ref(info.kind.plural, namespace, name, info.kind.group, info.kind.version,
                             info.subresource)

    def event(self, stage: str, *, status: dict[str, Any] | None = None, request_object: Any = None,
              response_object: Any = None, ref_source: Any = None) -> dict[str, Any]:
        request = self.request
        if stage == "RequestReceived" or LEVEL_ORDER[self.level] < 2:
            request_object = None
        if stage == "RequestReceived" or LEVEL_ORDER[self.level] < 3:
            response_object = None
        impersonated = ev.user_info(self.impersonated) if self.impersonated is not None else None
        return ev.event(level=self.level, audit_id=self.audit_id, stage=stage, request_uri=request.raw_path,
                        verb=self.verb, user=ev.user_info(self.user), impersonated=impersonated,
                        source_ips=source_ips(request), user_agent=request.headers.get("User-Agent", ""),
                        object_ref=self.object_ref(ref_source), status=status, request_object=request_object,
                        response_object=response_object, received=ev.micro_time(self.received),
                        stage_time=ev.micro_time(self.received if stage == "RequestReceived" else time.time()),
                        annotations=None if stage == "RequestReceived" else self.annotations)
