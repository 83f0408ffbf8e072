"""An unexpected exception in a handler: the client gets a 500 Status (never a traceback) and
the audit log gets one event at stage Panic, as Kubernetes' WithPanicRecovery writes it,
instead of ResponseComplete."""

from __future__ import annotations

import pytest

from kube.apiserver import app
from tests.apiserver.audit.conftest import Audited

URI = "/api/v1/namespaces/default/pods/p/status"


async def _broken(*_args: object) -> None:
    raise RuntimeError("a bug in a handler")


async def test_a_handler_that_raises_is_one_panic_event_and_a_500_status(
        audited: Audited, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.HANDLERS, ("get", "status"), _broken)
    async with audited.api() as admin:
        status, body = await admin.get(URI)
        assert status == 500, body
        assert body["kind"] == "Status" and body["reason"] == "InternalError", body
        assert "RuntimeError" in body["message"] and "Traceback" not in str(body), body
        assert (await admin.get("/api/v1/namespaces/default/pods"))[0] == 200  # the server serves on
    panic = (await audited.wait_for(lambda e: e["requestURI"] == URI))[0]
    assert panic["stage"] == "Panic" and panic["level"] == "Metadata", panic
    assert panic["objectRef"] == {"resource": "pods", "namespace": "default", "name": "p", "apiVersion": "v1",
                                  "subresource": "status"}, panic
    assert panic["responseStatus"]["code"] == 500, panic
    await audited.wait_for(lambda e: e["requestURI"] == "/api/v1/namespaces/default/pods")
    assert [e["stage"] for e in audited.events() if e["requestURI"] == URI] == ["Panic"]
