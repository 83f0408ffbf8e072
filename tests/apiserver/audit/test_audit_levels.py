"""The audit log under a policy with mixed levels: each request at its rule's level, in
Kubernetes' Event field names and order, with the stages its rule keeps."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

import aiohttp

from tests.apiserver.audit.conftest import Audited, start_audited
from tests.apiserver.conftest import ca_file, client_session

ORDER = ["kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "impersonatedUser",
         "sourceIPs", "userAgent", "objectRef", "responseStatus", "requestObject", "responseObject",
         "requestReceivedTimestamp", "stageTimestamp", "annotations"]
MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def _uri(uri: str):  # noqa: ANN202 - a predicate
    return lambda e: e["requestURI"] == uri


async def test_each_request_at_its_rules_level_with_kubernetes_field_names(audited: Audited) -> None:
    async with audited.api() as admin:
        assert (await admin.get("/healthz"))[0] == 200
        cm = {"metadata": {"name": "c1"}, "data": {"k": "v"}}
        assert (await admin.post("/api/v1/namespaces/default/configmaps", cm))[0] == 201
        assert (await admin.get("/api/v1/namespaces/default/configmaps/c1"))[0] == 200
        assert (await admin.get("/api/v1/namespaces/default/pods"))[0] == 200
        assert (await admin.post("/api/v1/namespaces", {"metadata": {"name": "rr"}}))[0] == 201
        assert (await admin.post("/api/v1/namespaces/rr/configmaps", cm))[0] == 201
        assert (await admin.get("/api/v1/namespaces/default/pods/nope"))[0] == 404
        assert (await admin.get("/api"))[0] == 200
    async with audited.api("system:kube-scheduler") as sched:
        assert (await sched.get("/api/v1/namespaces/default/pods"))[0] == 200
    async with audited.api("jane") as jane:
        assert (await jane.get("/api/v1/namespaces/default/pods"))[0] == 403

    created = (await audited.wait_for(_uri("/api/v1/namespaces/default/configmaps")))[0]
    assert list(created) == [k for k in ORDER if k in created]
    assert created["kind"] == "Event" and created["apiVersion"] == "audit.k8s.io/v1"
    assert created["level"] == "Request" and created["stage"] == "ResponseComplete" and created["verb"] == "create"
    uuid.UUID(created["auditID"])
    assert created["user"] == {"username": "kube-admin", "uid": "kube-admin",
                               "groups": ["system:masters", "system:authenticated"]}
    assert created["sourceIPs"] == ["127.0.0.1"] and created["userAgent"].startswith("Python")
    assert created["objectRef"] == {"resource": "configmaps", "namespace": "default", "name": "c1",
                                    "apiVersion": "v1"}
    assert created["responseStatus"] == {"metadata": {}, "code": 201}
    assert created["requestObject"] == cm and "responseObject" not in created
    assert MICRO.match(created["requestReceivedTimestamp"]) and MICRO.match(created["stageTimestamp"])
    assert created["stageTimestamp"] >= created["requestReceivedTimestamp"]
    assert created["annotations"] == {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}

    got = (await audited.wait_for(_uri("/api/v1/namespaces/default/configmaps/c1")))[0]
    assert (got["level"], got["verb"]) == ("Metadata", "get")
    assert "requestObject" not in got and "responseObject" not in got
    listed = [e for e in await audited.wait_for(_uri("/api/v1/namespaces/default/pods"), 2)]
    by_user = {e["user"]["username"]: e for e in listed}
    assert set(by_user) == {"kube-admin", "jane"}  # the scheduler's request: a None rule, not logged
    assert by_user["kube-admin"]["verb"] == "list" and by_user["kube-admin"]["level"] == "Metadata"
    assert by_user["kube-admin"]["objectRef"] == {"resource": "pods", "namespace": "default", "apiVersion": "v1"}
    denied = by_user["jane"]
    assert denied["responseStatus"]["code"] == 403 and denied["responseStatus"]["reason"] == "Forbidden"
    assert denied["responseStatus"]["status"] == "Failure"
    assert 'User "jane" cannot list resource "pods"' in denied["responseStatus"]["message"]
    assert denied["annotations"]["authorization.k8s.io/decision"] == "forbid"

    rr = (await audited.wait_for(_uri("/api/v1/namespaces/rr/configmaps")))[0]
    assert rr["level"] == "RequestResponse" and rr["requestObject"] == cm
    assert rr["responseObject"]["metadata"]["name"] == "c1" and rr["responseObject"]["data"] == cm["data"]
    assert "managedFields" not in rr["responseObject"]["metadata"]  # the rule's omitManagedFields
    missing = (await audited.wait_for(_uri("/api/v1/namespaces/default/pods/nope")))[0]
    assert missing["responseStatus"]["code"] == 404 and missing["responseStatus"]["reason"] == "NotFound"
    assert missing["objectRef"]["name"] == "nope" and missing["verb"] == "get"
    discovery = (await audited.wait_for(_uri("/api")))[0]
    assert discovery["verb"] == "get" and "objectRef" not in discovery and discovery["level"] == "Metadata"
    everything = audited.events()
    assert not [e for e in everything if e["requestURI"].startswith("/healthz")]  # a None rule
    assert not [e for e in everything if e["stage"] == "RequestReceived"]  # the policy's omitStages


async def test_watch_stages_and_the_audit_id_header(audited: Audited) -> None:
    async with audited.api() as admin:
        timeout = aiohttp.ClientTimeout(total=20)
        async with admin.session.get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1",
                                     timeout=timeout) as resp:
            watch_id = resp.headers["Audit-Id"]
            await resp.read()
        async with admin.session.get("/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1",
                                     timeout=timeout) as resp:
            pods_id = resp.headers["Audit-Id"]
            await resp.read()
        async with admin.session.get("/api/v1/namespaces", headers={"Audit-ID": "my-id-1"}) as resp:
            assert resp.headers["Audit-Id"] == "my-id-1"  # a caller's own id is kept, as Kubernetes keeps it
    cms = await audited.wait_for(lambda e: e["auditID"] == watch_id, 2)
    assert [(e["stage"], e["verb"]) for e in cms] == [("ResponseStarted", "watch"), ("ResponseComplete", "watch")]
    assert cms[0]["responseStatus"] == {"metadata": {}, "code": 200}
    pods = await audited.wait_for(lambda e: e["auditID"] == pods_id)
    await asyncio.sleep(0.3)
    # the pods rule omits ResponseStarted, the policy RequestReceived
    assert [e["stage"] for e in audited.events() if e["auditID"] == pods_id] == ["ResponseComplete"]
    assert pods[0]["verb"] == "watch"
    await audited.wait_for(lambda e: e["auditID"] == "my-id-1")


async def test_audit_metrics_count_events_and_levels(audited: Audited) -> None:
    async with audited.api() as admin:
        for _ in range(3):
            assert (await admin.get("/api/v1/namespaces/default/configmaps"))[0] == 200
        assert (await admin.get("/healthz"))[0] == 200
        await audited.wait_for(_uri("/api/v1/namespaces/default/configmaps"), 3)
        _, text = await admin.get("/metrics")
    values = dict(line.rsplit(" ", 1) for line in text.splitlines() if line.startswith("apiserver_audit"))
    assert float(values["apiserver_audit_event_total"]) >= 3
    assert float(values['apiserver_audit_level_total{level="Metadata"}']) >= 3
    assert float(values['apiserver_audit_level_total{level="None"}']) >= 1
    assert float(values['apiserver_audit_error_total{plugin="log"}']) == 0


async def test_a_failed_authentication_is_one_response_started_event(audited: Audited) -> None:
    async with client_session(audited.server.url, ca_file(audited.pki), "not-a-token") as session:
        async with session.get("/api/v1/namespaces/default/secrets", headers={"User-Agent": "intruder"}) as resp:
            assert resp.status == 401
            audit_id = resp.headers["Audit-Id"]
    (event,) = await audited.wait_for(lambda e: e["auditID"] == audit_id)
    assert event["stage"] == "ResponseStarted" and event["user"] == {} and event["userAgent"] == "intruder"
    assert event["responseStatus"]["code"] == 401 and event["responseStatus"]["reason"] == "Unauthorized"
    assert event["verb"] == "list" and event["objectRef"]["resource"] == "secrets"
    assert "annotations" not in event  # never authorized


async def test_refused_bodies_are_not_logged_and_a_too_large_one_is_still_a_413(pki_dir: Path,
                                                                                  tmp_path: Path) -> None:
    audited = await start_audited(pki_dir, tmp_path, max_body_bytes=20_000)
    try:
        big = {"metadata": {"name": "big"}, "data": {"k": "x" * 50_000}}
        async with audited.api() as admin:
            status, body = await admin.post("/api/v1/namespaces/default/configmaps", big)
            assert status == 413 and body["reason"] == "RequestEntityTooLarge"
        async with audited.api("jane") as jane:
            status, _ = await jane.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "j"}})
            assert status == 403
        too_large, denied = await audited.wait_for(_uri("/api/v1/namespaces/default/configmaps"), 2)
    finally:
        await audited.server.stop()
    assert too_large["responseStatus"]["code"] == 413 and "requestObject" not in too_large
    assert denied["responseStatus"]["code"] == 403 and "requestObject" not in denied  # never read: never logged
    assert denied["level"] == "Request" and denied["user"]["username"] == "jane"


async def test_a_refused_or_unauthenticated_watch_has_each_stage_once_in_order(audited: Audited) -> None:
    async with audited.api("jane") as jane:
        async with jane.session.get("/api/v1/namespaces/default/configmaps?watch=true") as resp:
            assert resp.status == 403
            forbidden_id = resp.headers["Audit-Id"]
    async with client_session(audited.server.url, ca_file(audited.pki), "not-a-token") as session:
        async with session.get("/api/v1/namespaces/default/configmaps?watch=true") as resp:
            assert resp.status == 401
            unauthenticated_id = resp.headers["Audit-Id"]
    forbidden = await audited.wait_for(lambda e: e["auditID"] == forbidden_id, 2)
    assert [(e["stage"], e["responseStatus"]["code"]) for e in forbidden] == [("ResponseStarted", 403),
                                                                              ("ResponseComplete", 403)]
    await audited.wait_for(lambda e: e["auditID"] == unauthenticated_id)
    await asyncio.sleep(0.3)
    assert [e["stage"] for e in audited.events() if e["auditID"] == unauthenticated_id] == ["ResponseStarted"]
