"""The audit middleware: a record per request, its events by stage, to the log writer.

`serve` wraps the dispatcher: it makes the request's Record (the dispatcher and the
authorization gate fill it in through `record.current()`), then, once the answer is
known, sends the events of the stages the policy keeps: RequestReceived, then
ResponseComplete (or Panic after an unexpected exception; a failed authentication is one
ResponseStarted event, as Kubernetes' WithFailedAuthenticationAudit writes it). A
long-running request (a watch, exec, attach, port-forward, logs) also gets ResponseStarted
when its headers go out: `on_prepare`, aiohttp's response-prepare signal, which also puts
the `Audit-Id` header on every answer. Bodies are decoded for the log only at the levels
that log them: the request's at Request and above, the response's at RequestResponse.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from kube.api.errors import StatusError
from kube.apiserver.audit.policy import Policy
from kube.apiserver.audit.record import CURRENT, DECISION, Record
from kube.apiserver.audit.redaction import LEVEL_ORDER, without_managed_fields
from kube.apiserver.audit.writer import LogWriter
from kube.apiserver.handlers import request_info
from kube.apiserver.handlers.encoding import decode

RECORD: web.RequestKey[Record] = web.RequestKey("kube_audit_record", Record)
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
CONNECT = frozenset({"exec", "attach", "portforward", "proxy"})


def _body(raw: bytes, content_type: str, omit_managed: bool) -> Any:
    try:
        body = decode(raw, content_type)
    except (StatusError, ValueError):
        return None
    return without_managed_fields(body) if omit_managed else body


async def _read_body(request: web.Request) -> bytes:
    if not request.body_exists:
        return b""
    try:
        return await request.read()
    except (web.HTTPException, ConnectionError, ValueError):  # too large, or the client went away
        return b""


def _status_of(body: bytes) -> dict[str, Any] | None:
    try:
        found = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None


def logs_response_body(request: web.Request) -> bool:
    """Whether this request's audit event carries its response object (RequestResponse), so
    the response must be whole in memory rather than streamed."""
    rec = request.get(RECORD)
    return rec is not None and rec.wants("ResponseComplete") and LEVEL_ORDER[rec.level] >= 3


class Auditor:
    def __init__(self, policy: Policy, writer: LogWriter) -> None:
        self.policy, self.writer = policy, writer

    async def serve(self, request: web.Request, handler: Callable[[], Awaitable[web.StreamResponse]]
                    ) -> web.StreamResponse:
        rec = Record(request, self.policy)
        request[RECORD] = rec
        token = CURRENT.set(rec)
        try:
            resp = await handler()
        except BaseException:  # the client went away mid-answer: the events still go, without a status
            CURRENT.reset(token)
            self._received(rec)
            if rec.wants("ResponseComplete"):
                self.writer.send(rec.event("ResponseComplete"))
            raise
        CURRENT.reset(token)
        await self._complete(request, rec, resp)
        return resp

    def _received(self, rec: Record) -> None:
        if not rec.received_sent:
            rec.received_sent = True
            self.writer.metrics.level[rec.decide().level]()
            if rec.wants("RequestReceived"):
                self.writer.send(rec.event("RequestReceived"))

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        rec = request.get(RECORD)
        if rec is None:
            return
        response.headers["Audit-Id"] = rec.audit_id
        if rec.long_running:  # whatever the code, as Kubernetes' response writer sends it when headers go out
            self._started(rec, response.status)

    def _started(self, rec: Record, code: int) -> None:
        if not rec.started_sent:
            rec.started_sent = True
            self._received(rec)
            if rec.wants("ResponseStarted"):
                self.writer.send(rec.event("ResponseStarted", code=code))

    async def _complete(self, request: web.Request, rec: Record, resp: web.StreamResponse) -> None:
        if rec.user is None and resp.status == 401:
            stage = "ResponseStarted"  # no RequestReceived: the request was never let in
            try:  # what it asked for, as Kubernetes' request info (parsed before authentication) says
                rec.info = request_info.parse(request.method, request.path, request_info.is_watch(request.query))
            except StatusError:
                pass
            rec.received_sent = rec.started_sent = True
            self.writer.metrics.level[rec.decide().level]()
        else:
            stage = "Panic" if rec.panicked else "ResponseComplete"
            self._received(rec)
            if rec.long_running:  # answered before it streamed (a 403, a 410): its headers go out after this
                self._started(rec, resp.status)
        if not rec.wants(stage):
            return
        body = resp.body if isinstance(resp, web.Response) and isinstance(resp.body, bytes) else None
        failure = _status_of(body) if body and resp.status >= 300 and resp.content_type.endswith("json") else None
        request_obj = response_obj = None
        ref_source: Any = None
        level, info = LEVEL_ORDER[rec.level], rec.info
        omit_managed = rec.decide().omit_managed_fields
        if info is not None and info.verb in WRITE_VERBS and info.subresource not in CONNECT \
                and (level >= 2 or info.verb == "create") and rec.annotations.get(DECISION) != "forbid":
            raw = await _read_body(request)  # what the handler read (aiohttp keeps it), as it decoded it
            ref_source = _body(raw, request.content_type, omit_managed) if raw.strip() else None
            request_obj = ref_source if level >= 2 else None
        if level >= 3 and body and not rec.long_running:
            response_obj = _body(body, resp.content_type, omit_managed)
        self.writer.send(rec.event(stage, code=resp.status, failure=failure,
                                   request_object=request_obj, response_object=response_obj, ref_source=ref_source))

    def close(self) -> None:
        self.writer.close()
