"""A ServiceAccount's token under --authorization-mode=Node,RBAC with the real kubectl: bound to a
Role that may get/list pods in one namespace, it may do that and gets Kubernetes' 403 for the
rest; `kubectl auth whoami` names the account and its groups."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import (
    ADMIN_TOKEN,
    Api,
    ca_file,
    client_session,
    server_config,
    write_kubeconfig,
)
from tests.apiserver.service_accounts.conftest import make_sa, request_token
from tests.apiserver.service_accounts.test_token_request import claims

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")
NS = "/api/v1/namespaces/default"


@pytest.fixture
async def rbac_admin(pki_dir: Path, tmp_path: Path, sa_keys: tuple[Path, Path]) -> AsyncIterator[Api]:
    srv = APIServer(server_config(pki_dir, tmp_path, service_account_signing_key_file=str(sa_keys[0]),
                                  authorization_mode="Node,RBAC"))
    await srv.start()
    try:
        async with client_session(srv.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            yield Api(session, srv)
    finally:
        await srv.stop()


async def test_service_account_with_a_pod_reader_role(rbac_admin: Api, pki_dir: Path, tmp_path: Path) -> None:
    api = rbac_admin
    sa = await make_sa(api)
    rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/default"
    code, body = await api.post(f"{rbac}/roles", {"metadata": {"name": "pod-reader"}, "rules": [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]})
    assert code == 201, body
    code, body = await api.post(f"{rbac}/rolebindings", {
        "metadata": {"name": "robot-reads-pods"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
        "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": "default"}]})
    assert code == 201, body
    code, tr = await request_token(api)
    assert code == 201, tr
    config = write_kubeconfig(tmp_path / "robot.kubeconfig", api.server.url, ca_file(pki_dir), tr["status"]["token"])

    def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(tmp_path / "cache"), *args],
                              capture_output=True, text=True, timeout=60)

    async def run(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kubectl, *args)

    done = await run("get", "pods", "-n", "default")
    assert done.returncode == 0, done.stderr
    done = await run("get", "secrets", "-n", "default")
    assert done.returncode != 0
    assert 'User "system:serviceaccount:default:robot" cannot list resource "secrets"' in done.stderr, done.stderr
    done = await run("get", "pods", "-n", "kube-system")
    assert done.returncode != 0 and "forbidden" in done.stderr
    done = await run("auth", "whoami", "-o", "json")
    assert done.returncode == 0, done.stderr
    assert '"username": "system:serviceaccount:default:robot"' in done.stdout, done.stdout
    for group in ("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"):
        assert f'"{group}"' in done.stdout
    user = json.loads(done.stdout)["status"]["userInfo"]
    assert user["uid"] == sa["metadata"]["uid"]  # as Kubernetes' ServiceAccount authenticator: uid and extra
    jti = claims(tr["status"]["token"])["jti"]
    assert user["extra"] == {"authentication.kubernetes.io/credential-id": [f"JTI={jti}"]}


async def test_a_pod_bound_tokens_extra_names_its_pod(rbac_admin: Api, pki_dir: Path) -> None:
    await make_sa(rbac_admin)
    code, pod = await rbac_admin.post(f"{NS}/pods", {"metadata": {"name": "p"}, "spec": {
        "serviceAccountName": "robot", "containers": [{"name": "c", "image": "busybox"}]}})
    assert code == 201, pod
    code, tr = await request_token(rbac_admin, boundObjectRef={"kind": "Pod", "apiVersion": "v1", "name": "p",
                                                               "uid": pod["metadata"]["uid"]})
    assert code == 201, tr
    async with client_session(rbac_admin.server.url, ca_file(pki_dir),
                              tr["status"]["token"]) as session:
        code, review = await Api(session, rbac_admin.server).post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    assert code == 201, review
    extra = review["status"]["userInfo"]["extra"]
    assert extra["authentication.kubernetes.io/pod-name"] == ["p"]
    assert extra["authentication.kubernetes.io/pod-uid"] == [pod["metadata"]["uid"]]
