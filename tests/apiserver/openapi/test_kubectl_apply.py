"""The real kubectl against our /openapi/v3 (served by a minimal stand-in of the API server):
`kubectl apply` with default validation must defer validation to the server and build strategic
merge patches from its built-in types."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml
from aiohttp import web

from kube.api.registry import KINDS, groups
from kube.apiserver.openapi.v3 import group_document, root_document

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1"},
                                                  {"name": "side", "image": "busybox"}]}}},
}


def _resources(group: str, version: str) -> dict[str, Any]:
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}" if group else version,
            "resources": [{"name": k.plural, "singularName": k.singular, "namespaced": k.namespaced, "kind": k.kind,
                           "verbs": list(k.verbs), "shortNames": list(k.short_names)}
                          for k in KINDS if k.group == group and k.version == version]}


class StandIn:
    """Discovery, OpenAPI and one Deployment: just enough for kubectl apply; records what it was sent."""

    def __init__(self) -> None:
        self.stored: dict[str, Any] | None = None
        self.requests: list[tuple[str, str, str, Any]] = []  # method, path_qs, content type, body

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path
        body = await request.text()
        self.requests.append((request.method, request.path_qs, request.content_type, body))
        if path == "/api":
            return web.json_response({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": request.host}]})
        if path == "/apis":
            return web.json_response({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}} for g, vs in groups()]})
        if path == "/api/v1":
            return web.json_response(_resources("", "v1"))
        if path.startswith("/apis/") and path.count("/") == 3:
            _, _, group, version = path.split("/")
            return web.json_response(_resources(group, version))
        if path == "/openapi/v3":
            return web.json_response(root_document())
        if path.startswith("/openapi/v3/"):
            doc = group_document(path[len("/openapi/v3/"):])
            return web.json_response(doc) if doc else web.json_response({}, status=404)
        if path.startswith("/apis/apps/v1/namespaces/default/deployments"):
            return self.deployment(request.method, request.content_type, body)
        return web.json_response({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404,
                                  "reason": "NotFound", "message": "not found"}, status=404)

    def deployment(self, method: str, content_type: str, body: str) -> web.Response:
        if method == "GET" and self.stored is None:
            return web.json_response({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404,
                                      "reason": "NotFound", "message": 'deployments.apps "web" not found',
                                      "details": {"name": "web", "group": "apps", "kind": "deployments"}},
                                     status=404)
        if method == "POST":
            self.stored = json.loads(body)
            self.stored["metadata"].update(uid="u1", resourceVersion="1", creationTimestamp="2024-01-01T00:00:00Z")
            return web.json_response(self.stored, status=201)
        if method == "PATCH":
            assert self.stored is not None
            stored = copy.deepcopy(self.stored)
            stored["metadata"]["resourceVersion"] = "2"
            return web.json_response(stored)
        return web.json_response(self.stored)


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[StandIn, str]]:
    server = StandIn()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield server, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _apply(url: str, manifest: dict[str, Any], tmp_path: Any) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "deploy.yaml"
    path.write_text(yaml.safe_dump(manifest))
    command = [KUBECTL, "--server", url, "--cache-dir", str(tmp_path / "cache"), "apply", "-f", str(path)]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60)


async def test_kubectl_apply_defers_validation_and_sends_builtin_strategic_patches(stand_in, tmp_path) -> None:
    server, url = stand_in
    done = await _apply(url, DEPLOYMENT, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "deployment.apps/web created" in done.stdout
    fetched = [p for m, p, _, _ in server.requests if p.startswith("/openapi/v3")]
    assert any(p.split("?")[0] == "/openapi/v3" for p in fetched) and any(p.startswith("/openapi/v3/apis/apps/v1?hash=") for p in fetched)
    posts = [p for m, p, _, _ in server.requests if m == "POST"]
    assert len(posts) == 1 and "fieldValidation=Strict" in posts[0]

    changed = copy.deepcopy(DEPLOYMENT)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    done = await _apply(url, changed, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr.lower(), done.stderr
    patches = [(p, ct, b) for m, p, ct, b in server.requests if m == "PATCH"]
    assert len(patches) == 1
    path, content_type, body = patches[0]
    assert content_type == "application/strategic-merge-patch+json" and "fieldValidation=Strict" in path
    spec = json.loads(body)["spec"]["template"]["spec"]
    # merge key `name` known: only the changed container, with the list's order
    assert spec["$setElementOrder/containers"] == [{"name": "nginx"}, {"name": "side"}]
    assert spec["containers"] == [{"image": "nginx:2", "name": "nginx"}]
