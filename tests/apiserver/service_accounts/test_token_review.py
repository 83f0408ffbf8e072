"""TokenReview (authentication.k8s.io/v1) through a real API server: a ServiceAccount JWT and a
static token are someone, an unknown token is nobody (201 with an error, not an HTTP error), the
audiences are checked, a missing token is 400; the kubernetes client and kubectl create it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, READER_TOKEN, Api, ca_file, write_kubeconfig
from tests.apiserver.service_accounts.conftest import make_sa, request_token

PATH = "/apis/authentication.k8s.io/v1/tokenreviews"


def review(token: str, **spec: object) -> dict[str, object]:
    return {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token, **spec}}


async def test_a_service_account_token_is_its_service_account(admin: Api) -> None:
    sa = await make_sa(admin)
    code, issued = await request_token(admin)
    assert code == 201, issued
    code, out = await admin.post(PATH, review(issued["status"]["token"]))
    assert code == 201, out
    status = out["status"]
    assert status["authenticated"] is True and status["audiences"]
    assert status["user"]["username"] == "system:serviceaccount:default:robot"
    assert status["user"]["uid"] == sa["metadata"]["uid"]
    assert status["user"]["groups"] == ["system:serviceaccounts", "system:serviceaccounts:default",
                                        "system:authenticated"]
    code, out = await admin.post(PATH, review(issued["status"]["token"], audiences=["someone-else"]))
    assert code == 201 and "authenticated" not in out["status"] and out["status"]["user"] == {}
    assert "is invalid for the target audiences" in out["status"]["error"]


async def test_a_static_token_and_an_unknown_one(admin: Api) -> None:
    code, out = await admin.post(PATH, review(READER_TOKEN))
    assert code == 201 and out["status"]["user"]["username"] == "reader", out
    assert out["status"]["user"]["groups"] == ["system:read-only", "system:authenticated"]
    code, out = await admin.post(PATH, review("not-a-token-anyone-has"))
    assert code == 201 and out["kind"] == "TokenReview"
    assert out["status"] == {"user": {}, "error": "invalid bearer token"}


async def test_bad_reviews_are_a_status(admin: Api) -> None:
    code, out = await admin.post(PATH, review(""))
    assert code == 400 and out["reason"] == "BadRequest"
    assert out["message"] == "token is required for TokenReview in authentication"
    code, out = await admin.post(PATH, {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                                        "spec": {"token": "t", "audiences": "api"}})
    assert code == 400 and out["message"] == "spec.audiences must be a list of strings"


async def kubectl(config: Path, *argv: str) -> tuple[int, str, str]:
    """kubectl off the event loop (the API server runs on it)."""
    proc = await asyncio.create_subprocess_exec(".venv/bin/kubectl", "--kubeconfig", str(config), *argv,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_kubectl_creates_one(sa_server: APIServer, pki_dir: Path, tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "kubeconfig", sa_server.url, ca_file(pki_dir), ADMIN_TOKEN)
    manifest = tmp_path / "review.json"
    manifest.write_text(json.dumps(review(READER_TOKEN)))
    code, out, err = await kubectl(config, "create", "-f", str(manifest), "-o", "json")
    assert code == 0, err
    assert json.loads(out)["status"]["user"]["username"] == "reader"
    code, out, err = await kubectl(config, "api-resources", "--api-group", "authentication.k8s.io", "-o", "name")
    assert "tokenreviews.authentication.k8s.io" in out.split(), err
