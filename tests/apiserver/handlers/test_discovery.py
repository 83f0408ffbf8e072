"""Discovery documents and the seat limit (APF in depth: tests/apiserver/flowcontrol/; metrics: test_metrics.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, READER_TOKEN, Api, ca_file, client_session, server_config


async def test_api_and_apis(api: Api) -> None:
    status, body = await api.get("/api")
    assert status == 200 and body["versions"] == ["v1"]
    status, body = await api.get("/apis")
    assert status == 200 and {g["name"] for g in body["groups"]} >= {"apps", "policy", "coordination.k8s.io"}
    status, body = await api.get("/apis/apps")
    assert status == 200 and body["preferredVersion"]["groupVersion"] == "apps/v1"


async def test_resource_lists_carry_verbs_short_names_and_subresources(api: Api) -> None:
    _, core = await api.get("/api/v1")
    by_name = {r["name"]: r for r in core["resources"]}
    assert by_name["pods"]["shortNames"] == ["po"] and by_name["pods"]["namespaced"] is True
    assert "watch" in by_name["pods"]["verbs"] and by_name["pods"]["singularName"] == "pod"
    assert {"pods/status", "pods/binding", "pods/eviction", "pods/log"} <= set(by_name)
    assert by_name["nodes"]["namespaced"] is False
    _, apps = await api.get("/apis/apps/v1")
    scale = {r["name"]: r for r in apps["resources"]}["deployments/scale"]
    assert scale["kind"] == "Scale" and scale["group"] == "autoscaling"


async def test_a_level_out_of_seats_answers_429_with_retry_after(pki_dir: Path, tmp_path: Path) -> None:
    """One seat in all (--max-requests-inflight 1, no mutating ones): with it held, the reader's
    level (global-default) queues it and times out into a 429; the admin (exempt) is still served;
    once the seat is back, a burst of 20 is queued and every one served."""
    server = APIServer(server_config(pki_dir, tmp_path, max_requests_inflight=1, max_mutating_requests_inflight=0,
                                     flowcontrol_queue_wait=0.3))
    await server.start()
    try:
        assert server.state is not None and server.state.flowcontrol is not None
        level = server.state.flowcontrol.queue_sets["global-default"]
        assert level.limit == 1
        seat = await level.acquire(("global-default", "someone-else"))  # one request is being served
        async with client_session(server.url, ca_file(pki_dir), READER_TOKEN) as s, \
                s.get("/api/v1/namespaces") as resp:
            body = await resp.json()
            assert resp.status == 429 and resp.headers["Retry-After"] == "1" and body["reason"] == "TooManyRequests"
            assert body["message"] == "Too many requests, please try again later."
        async with client_session(server.url, ca_file(pki_dir), ADMIN_TOKEN) as s, \
                s.get("/api/v1/namespaces") as resp:
            assert resp.status == 200
        level.release(seat)
        async with client_session(server.url, ca_file(pki_dir), READER_TOKEN) as s:
            answers = await asyncio.gather(*(s.get("/api/v1/namespaces") for _ in range(20)))
            codes = [r.status for r in answers]
            for r in answers:
                r.release()
            assert codes == [200] * 20
        assert level.executing == 0 and level.waiting == 0
    finally:
        await server.stop()


async def test_bodies_end_as_kubernetes_writes_them(api: Api) -> None:
    """Discovery and Status go through Kubernetes' object encoder (json.Encoder.Encode: a
    closing newline); /version through WriteRawJSON (MarshalIndent, no newline) and the
    OpenAPI documents through kube-openapi (json.Marshal, no newline)."""
    async def raw(path: str) -> tuple[int, bytes]:
        async with api.session.get(path) as resp:
            return resp.status, await resp.read()

    for path in ("/api", "/apis", "/api/v1", "/apis/apps", "/apis/apps/v1", "/apis/batch/v1",
                 "/apis/rbac.authorization.k8s.io/v1"):
        code, body = await raw(path)
        assert code == 200 and body.endswith(b"}\n") and not body.endswith(b"\n\n"), path
        assert body.count(b"\n") == 1 and list(json.loads(body))[0] == "kind", path
    code, body = await raw("/api/v1/namespaces/default/configmaps/absent")
    assert code == 404 and body.endswith(b'"code":404}\n')
    code, body = await raw("/version")
    assert code == 200 and body.startswith(b'{\n  "major": "1",\n  "minor": ') and body.endswith(b'"\n}')
    for path in ("/openapi/v2", "/openapi/v3", "/openapi/v3/api/v1"):
        code, body = await raw(path)
        assert code == 200 and body.endswith(b"}") and json.loads(body), path
