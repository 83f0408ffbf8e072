"""An API server with an audit policy and log (Node,RBAC, the rbac tests' token users, and an
admin client certificate), and the log read back as Events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from kube.apiserver.auth.pki import PkiPaths, issue_client_cert
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ca_file, server_config
from tests.apiserver.rbac.conftest import Cluster, token_file

Event = dict[str, Any]

# a policy with every level and a per-rule omitStages: each rule names what it is for
MIXED_POLICY = """
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/version", "/readyz", "/livez"]
- level: None
  users: ["system:kube-scheduler"]
- level: RequestResponse
  resources: [{group: "", resources: ["secrets"]}]
- level: RequestResponse
  namespaces: ["rr"]
  omitManagedFields: true
- level: Request
  verbs: ["create", "update", "patch"]
  resources: [{group: "", resources: ["configmaps"]}]
- level: Metadata
  omitStages: [ResponseStarted]
  resources: [{group: "", resources: ["pods", "pods/log"]}, {group: "apps", resources: ["*/scale"]}]
- level: Metadata
"""


@dataclass
class Audited(Cluster):
    """The RBAC tests' cluster (its api() per user) and the audit log it writes."""
    log: Path

    def events(self) -> list[Event]:
        if not self.log.exists():
            return []
        return [orjson.loads(line) for line in self.log.read_bytes().splitlines() if line.strip()]

    async def wait_for(self, match: Callable[[Event], bool], count: int = 1, timeout: float = 15.0) -> list[Event]:
        """The events `match` picks, once there are at least `count` (the writer is asynchronous)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [e for e in self.events() if match(e)]
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{count} matching audit events not written in time; got {found}")
            await asyncio.sleep(0.05)

    def admin_cert_kubeconfig(self) -> Path:
        """kubectl as the admin by client certificate (system:masters: it may impersonate)."""
        cert, key = self.tmp / "admin.crt", self.tmp / "admin.key"
        if not cert.exists():
            issue_client_cert(PkiPaths.in_dir(str(self.pki)), "cert-admin", ["system:masters"], str(cert), str(key))
        path = self.tmp / "kubeconfig-cert-admin"
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "t",
            "clusters": [{"name": "t", "cluster": {"server": self.server.url,
                                                   "certificate-authority": ca_file(self.pki)}}],
            "users": [{"name": "u", "user": {"client-certificate": str(cert), "client-key": str(key)}}],
            "contexts": [{"name": "t", "context": {"cluster": "t", "user": "u", "namespace": "default"}}]}))
        return path


async def start_audited(pki: Path, tmp: Path, policy: str = MIXED_POLICY, **overrides: Any) -> Audited:
    (tmp / "policy.yaml").write_text(policy)
    log = tmp / "audit" / "audit.log"
    srv = APIServer(server_config(pki, tmp, token_auth_file=str(token_file(tmp / "tokens.csv")),
                                  authorization_mode="Node,RBAC", audit_policy_file=str(tmp / "policy.yaml"),
                                  audit_log_path=str(log), **overrides))
    await srv.start()
    return Audited(srv, pki, tmp, log)


@pytest.fixture
async def audited(pki_dir: Path, tmp_path: Path) -> AsyncIterator[Audited]:
    cluster = await start_audited(pki_dir, tmp_path)
    yield cluster
    await cluster.server.stop()
