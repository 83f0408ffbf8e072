"""HTTPS only, tokens and client certificates, 401/403, anonymous health and version."""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import READER_TOKEN, ca_file, client_session


async def test_anonymous_may_only_probe_and_read_the_version(server: APIServer, pki_dir: Path) -> None:
    async with client_session(server.url, ca_file(pki_dir), None) as s:
        for path in ("/healthz", "/livez", "/readyz"):
            async with s.get(path) as resp:
                assert resp.status == 200 and await resp.text() == "ok"
        async with s.get("/version") as resp:
            body = await resp.json()
            assert resp.status == 200 and body["gitVersion"] == "v1.37.0-kube" and body["major"] == "1"
        for path in ("/api/v1/pods", "/api", "/metrics", "/openapi/v3"):
            async with s.get(path) as resp:
                body = await resp.json()
                assert resp.status == 401 and body["reason"] == "Unauthorized", path


async def test_wrong_token_is_401(server: APIServer, pki_dir: Path) -> None:
    async with client_session(server.url, ca_file(pki_dir), "wrong") as s, s.get("/api/v1/pods") as resp:
        assert resp.status == 401 and (await resp.json())["kind"] == "Status"


async def test_read_only_user_cannot_write(server: APIServer, pki_dir: Path) -> None:
    async with client_session(server.url, ca_file(pki_dir), READER_TOKEN) as s:
        async with s.get("/api/v1/namespaces/default/configmaps") as resp:
            assert resp.status == 200
        async with s.post("/api/v1/namespaces/default/configmaps", json={"metadata": {"name": "x"}}) as resp:
            body = await resp.json()
            assert resp.status == 403 and body["reason"] == "Forbidden" and "reader" in body["message"]


async def test_admin_client_certificate_authenticates(server: APIServer, pki_dir: Path) -> None:
    from kube.apiserver.auth.pki import PkiPaths

    paths = PkiPaths.in_dir(str(pki_dir))
    ctx = ssl.create_default_context(cafile=ca_file(pki_dir))
    ctx.load_cert_chain(paths.admin_cert, paths.admin_key)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s, \
            s.get(f"{server.url}/api/v1/namespaces") as resp:
        assert resp.status == 200


async def test_plain_http_is_refused(server: APIServer) -> None:
    async with aiohttp.ClientSession() as s:
        try:
            async with s.get(server.url.replace("https", "http") + "/api") as resp:
                assert resp.status == 400  # a TLS server answering a plain request
        except aiohttp.ClientError:
            pass
