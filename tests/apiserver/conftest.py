"""An API server for tests: in-process over HTTPS with a temporary SQLite store and an
admin token; a kubeconfig for kubectl and the Python client; a subprocess variant
for restart tests."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from kube.apiserver.config import ServerConfig
from kube.apiserver.server import APIServer
from tests.conftest import free_port

ADMIN_TOKEN = "admin-token-0123456789abcdef"
READER_TOKEN = "reader-token-0123456789abcdef"


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PKI for the whole session (key generation is the slow part of a start)."""
    from kube.apiserver.auth.pki import ensure_pki

    path = tmp_path_factory.mktemp("pki")
    ensure_pki(str(path), ["127.0.0.1", "localhost"])
    (path / "tokens.csv").write_text(f'{ADMIN_TOKEN},kube-admin,kube-admin,"system:masters"\n'
                                     f'{READER_TOKEN},reader,reader,"system:read-only"\n')
    return path


def ca_file(pki_dir: Path) -> str:
    return str(pki_dir / "ca.crt")


def server_config(pki_dir: Path, state_dir: Path, **overrides: Any) -> ServerConfig:
    base: dict[str, Any] = dict(store=f"sqlite:{state_dir / 'state.db'}", bind_address="127.0.0.1",
                                secure_port=free_port(), cert_dir=str(pki_dir),
                                token_auth_file=str(pki_dir / "tokens.csv"), watch_bookmark_seconds=0.3)
    base.update(overrides)
    return ServerConfig(**base)


@dataclass
class Api:
    """A thin HTTPS client for tests: JSON in, (status, decoded body) out."""

    session: aiohttp.ClientSession
    server: APIServer

    async def call(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json",
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = body if isinstance(body, bytes | str) or body is None else json.dumps(body).encode()
        hdrs = dict(headers or {})
        if data is not None:
            hdrs.setdefault("Content-Type", content_type)
        async with self.session.request(method, path, data=data, headers=hdrs) as resp:
            raw = await resp.read()
            if resp.content_type == "application/json" and raw:
                return resp.status, orjson.loads(raw)
            return resp.status, raw.decode(errors="replace")

    async def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, body: Any, **kw: Any) -> tuple[int, Any]:
        return await self.call("POST", path, body, **kw)

    async def put(self, path: str, body: Any, **kw: Any) -> tuple[int, Any]:
        return await self.call("PUT", path, body, **kw)

    async def patch(self, path: str, body: Any, content_type: str = "application/merge-patch+json",
                    **kw: Any) -> tuple[int, Any]:
        return await self.call("PATCH", path, body, content_type=content_type, **kw)

    async def delete(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return await self.call("DELETE", path, body, **kw)

    async def watch(self, path: str, until: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Read watch events from path until `until` have arrived (or the stream ends)."""
        events: list[dict[str, Any]] = []
        async with self.session.get(path, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            assert resp.status == 200, await resp.text()
            async for line in resp.content:
                if line.strip():
                    events.append(orjson.loads(line))
                    if len(events) >= until:
                        break
        return events


def client_session(base_url: str, ca: str, token: str | None) -> aiohttp.ClientSession:
    ctx = ssl.create_default_context(cafile=ca)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return aiohttp.ClientSession(base_url=base_url, headers=headers,
                                 connector=aiohttp.TCPConnector(ssl=ctx, limit=200))


@pytest.fixture
async def server(pki_dir: Path, tmp_path: Path) -> AsyncIterator[APIServer]:
    srv = APIServer(server_config(pki_dir, tmp_path))
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def api(server: APIServer, pki_dir: Path) -> AsyncIterator[Api]:
    async with client_session(server.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
        yield Api(session, server)


def write_kubeconfig(path: Path, server_url: str, ca: str, token: str) -> Path:
    path.write_text(orjson.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": server_url, "certificate-authority": ca}}],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin", "namespace": "default"}}],
    }).decode())
    return path


@pytest.fixture
def kubeconfig(server: APIServer, pki_dir: Path, tmp_path: Path) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", server.url, ca_file(pki_dir), ADMIN_TOKEN)


class ServerProcess:
    """`kube apiserver` as a child process, restartable on the same port and store."""

    def __init__(self, pki_dir: Path, state_dir: Path) -> None:
        self.pki_dir, self.state_dir = pki_dir, state_dir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        argv = [sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{self.state_dir / 'state.db'}",
                "--bind-address", "127.0.0.1", "--secure-port", str(self.port), "--cert-dir", str(self.pki_dir),
                "--token-auth-file", str(self.pki_dir / "tokens.csv"), "--watch-bookmark-seconds", "0.3"]
        log = open(self.state_dir / "apiserver.log", "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
        self.wait_ready()

    def wait_ready(self, timeout: float = 30.0) -> None:
        import urllib.request

        ctx = ssl.create_default_context(cafile=ca_file(self.pki_dir))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, (self.state_dir / "apiserver.log").read_text()
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", context=ctx, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the API server did not become ready")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture
def server_process(pki_dir: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(pki_dir, tmp_path)
    proc.start()
    yield proc
    proc.stop()


def refused_apiserver_line(tmp_path: Path, *flags: str) -> str:
    """`kube apiserver` with bad flags: it must exit non-zero with exactly one stderr line, returned."""
    done = subprocess.run([sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{tmp_path / 's.db'}",
                           *flags], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


async def eventually(check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async check until it returns a truthy value (generous deadline, no timing claims)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


def pod(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}], **spec}}


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}}}
