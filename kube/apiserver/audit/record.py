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
from contextvars import ContextVar
from dataclasses import dataclass
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


class Record:
    """Read from the request once, at its start; the record holds no reference to the request
    itself (the request holds the record, for the response-prepare hook: no cycle to collect)."""

    __slots__ = ("policy", "audit_id", "received", "user", "impersonated", "info", "annotations", "panicked",
                 "decision", "level", "received_sent", "started_sent", "uri", "path", "user_agent", "source_ips", "verb",
                 "received_text", "ref")

    def __init__(self, request: web.Request, policy: Policy) -> None:
        self.policy = policy
        given = request.headers.get("Audit-Id", "")
        self.audit_id = given if 0 < len(given) <= 128 else ev.new_audit_id()
        self.received = time.time()
        self.user: UserInfo | None = None
        self.impersonated: UserInfo | None = None
        self.info: RequestInfo | None = None
        self.annotations: dict[str, str] = {}
        self.panicked = False
        self.decision: Decision | None = None
        self.level = "None"
        self.received_sent = self.started_sent = False
        self.uri, self.path, self.user_agent = request.raw_path, request.path, request.headers.get("User-Agent", "")
        self.source_ips, self.verb = source_ips(request), request.method.lower()
        self.received_text = ""  # shared by the stages' events: made once
        self.ref: dict[str, Any] | None = None

    def authorized(self, allowed: bool, reason: str) -> None:
        self.annotations[DECISION] = "allow" if allowed else "forbid"
        self.annotations[REASON] = reason

    @property
    def long_running(self) -> bool:
        info = self.info
        return info is not None and (info.verb == "watch" or info.subresource in LONG_RUNNING_SUBRESOURCES)

    def decide(self) -> Decision:
        """The policy's answer for this request (asked once) and the level its bodies may have."""
        if self.decision is None:
            user, info = self.user, self.info
            if info is not None:
                self.verb = info.verb
            name, groups = (user.name, user.groups) if user is not None else (None, ())
            if info is None:
                attrs = Attributes(name, groups, self.verb, False, path=self.path)
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

    def event(self, stage: str, *, code: int | None = None, failure: dict[str, Any] | None = None,
              request_object: Any = None, response_object: Any = None, ref_source: Any = None) -> Pending:
        """The event of `stage`, to be rendered into its dict by the writer's `send`."""
        if stage == "RequestReceived" or LEVEL_ORDER[self.level] < 2:
            request_object = None
        if stage == "RequestReceived" or LEVEL_ORDER[self.level] < 3:
            response_object = None
        at = self.received if stage == "RequestReceived" else time.time()
        return Pending(self, stage, at, code, failure, request_object, response_object, ref_source)


@dataclass(slots=True)
class Pending:
    """One stage's event as the request left it: everything it needs, nothing yet encoded."""

    record: Record
    stage: str
    at: float
    code: int | None
    failure: dict[str, Any] | None
    request_object: Any
    response_object: Any
    ref_source: Any

    def render(self) -> dict[str, Any]:
        rec, stage = self.record, self.stage
        impersonated = ev.user_info(rec.impersonated) if rec.impersonated is not None else None
        status = None if self.code is None else ev.response_status(self.code, self.failure)
        if not rec.received_text:  # the parts every stage's event shares: made once
            rec.received_text = ev.micro_time(rec.received)
        ref = rec.object_ref(self.ref_source) if self.ref_source is not None or rec.ref is None else rec.ref
        rec.ref = ref
        received = rec.received_text
        return ev.event(level=rec.level, audit_id=rec.audit_id, stage=stage, request_uri=rec.uri, verb=rec.verb,
                        user=ev.user_info(rec.user), impersonated=impersonated, source_ips=rec.source_ips,
                        user_agent=rec.user_agent, object_ref=ref, status=status,
                        request_object=self.request_object, response_object=self.response_object,
                        received=received, stage_time=received if stage == "RequestReceived" else ev.micro_time(self.at),
                        annotations=None if stage == "RequestReceived" else rec.annotations)
