"""Bootstrap tokens end to end: `kube token create|list|delete`, the API server authenticating
`<id>.<secret>` as system:bootstrap:<id>, refusals (expired, wrong secret, no authentication
usage, deleted), and the controller manager's tokencleaner removing expired ones."""

from __future__ import annotations

import asyncio
import base64
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kube.api import bootstrap_token as bt
from kube.apiserver.server import APIServer
from tests.apiserver.certificates.conftest import as_token, certificate_controllers
from tests.apiserver.conftest import eventually, server_config
from tests.apiserver.rbac.conftest import Cluster

SECRETS = "/api/v1/namespaces/kube-system/secrets"
WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
REVIEW = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}


async def kube(cluster: Cluster, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kube", *args, "--kubeconfig", str(cluster.kubeconfig("kube-admin")),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def whoami(cluster: Cluster, token: str) -> tuple[int, dict]:
    async with as_token(cluster, token) as api:
        return await api.post(WHOAMI, REVIEW)


def secret(token: str, expires: datetime | None, **data: str) -> dict:
    body = bt.token_secret(token, ["authentication", "signing"], [bt.DEFAULT_GROUP], "", expires)
    body["data"].update({k.replace("_", "-"): base64.b64encode(v.encode()).decode() for k, v in data.items()})
    return body


async def test_kube_token_create_authenticates_as_the_bootstrap_user_until_deleted(cluster: Cluster) -> None:
    code, out, err = await kube(cluster, "token", "create", "--ttl", "2h", "--description", "for n1")
    assert code == 0, err
    token = out.strip()
    token_id = token.split(".")[0]
    assert bt.parse_token(token) is not None
    status, review = await whoami(cluster, token)
    assert status == 201, review
    info = review["status"]["userInfo"]
    assert info["username"] == f"system:bootstrap:{token_id}"
    assert info["groups"] == ["system:bootstrappers", bt.DEFAULT_GROUP, "system:authenticated"]

    done = await cluster.kubectl("kube-admin", "auth", "whoami", "--token", token)  # the real kubectl, too
    assert f"system:bootstrap:{token_id}" in done.stdout

    code, out, _ = await kube(cluster, "token", "list")
    header, row = out.splitlines()[0].split(), out.splitlines()[1].split()
    assert header == ["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA", "GROUPS"]
    assert row[0] == token and row[1] in ("1h", "2h") and row[3] == "authentication,signing"
    assert row[4:6] == ["for", "n1"] and row[6] == bt.DEFAULT_GROUP

    code, out, _ = await kube(cluster, "token", "delete", token)
    assert (code, out.strip()) == (0, f'bootstrap token "{token_id}" deleted')
    assert (await eventually(lambda: _refused(cluster, token)))


async def _refused(cluster: Cluster, token: str) -> bool:
    status, body = await whoami(cluster, token)
    return status == 401 and body["reason"] == "Unauthorized"


async def test_expired_wrong_or_unusable_tokens_are_refused(cluster: Cluster) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    future = datetime.now(UTC) + timedelta(hours=1)
    cases = {
        "aaaaaa.0123456789abcdef": secret("aaaaaa.0123456789abcdef", past),  # expired
        "bbbbbb.0123456789abcdef": secret("bbbbbb.0123456789abcdef", future, usage_bootstrap_authentication="no"),
        "cccccc.0123456789abcdef": secret("cccccc.0123456789abcdef", future, expiration="tomorrow"),
        "dddddd.0123456789abcdef": secret("dddddd.0123456789abcdef", future, auth_extra_groups="system:masters"),
    }
    async with cluster.api() as admin:
        for body in cases.values():
            assert (await admin.post(SECRETS, body))[0] == 201
        good = secret("eeeeee.0123456789abcdef", future)
        assert (await admin.post(SECRETS, good))[0] == 201
        opaque = {**secret("ffffff.0123456789abcdef", future), "type": "Opaque"}
        assert (await admin.post(SECRETS, opaque))[0] == 201
    for token in [*cases, "eeeeee.0123456789abcdeX", "eeeeee.fedcba9876543210", "ffffff.0123456789abcdef"]:
        assert await _refused(cluster, token), token
    status, review = await whoami(cluster, "eeeeee.0123456789abcdef")
    assert status == 201 and review["status"]["userInfo"]["username"] == "system:bootstrap:eeeeee"


async def test_the_token_cleaner_deletes_expired_tokens_only(cluster: Cluster) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=2)
    async with cluster.api() as admin:
        for token, when in (("gggggg.0123456789abcdef", datetime.now(UTC) - timedelta(seconds=1)),
                            ("hhhhhh.0123456789abcdef", soon),
                            ("iiiiii.0123456789abcdef", datetime.now(UTC) + timedelta(hours=1))):
            assert (await admin.post(SECRETS, secret(token, when)))[0] == 201
        assert (await admin.post(SECRETS, secret("jjjjjj.0123456789abcdef", None)))[0] == 201
        async with certificate_controllers(cluster):
            async def cleaned() -> bool:
                names = {s["metadata"]["name"] for s in (await admin.get(SECRETS))[1]["items"]}
                return not names & {"bootstrap-token-gggggg", "bootstrap-token-hhhhhh"}
            await eventually(cleaned, timeout=20)
        names = {s["metadata"]["name"] for s in (await admin.get(SECRETS))[1]["items"]}
        assert {"bootstrap-token-iiiiii", "bootstrap-token-jjjjjj"} <= names


async def test_kube_token_bad_input_is_one_line(cluster: Cluster) -> None:
    for args, wanted in ((("create", "--usages", "signing,login"), "invalid bootstrap token usage string: login"),
                         (("create", "--groups", "admins"), "bootstrap group 'admins' is invalid"),
                         (("create", "--usages", "signing"), 'unless --usages includes "authentication"'),
                         (("create", "ABCDEF.0123456789abcdef"), "does not match the pattern"),
                         (("delete", "x"), "given token didn't match pattern"),
                         (("delete", "zzzzzz"), 'failed to delete bootstrap token \'zzzzzz\': secrets "bootstrap-token'
                                                '-zzzzzz" not found')):
        code, out, err = await kube(cluster, "token", *args)
        assert code == 1 and out == "" and err.count("\n") == 1 and wanted in err, (args, err)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.ABC-", max_size=30))
def test_only_the_token_pattern_parses(text: str) -> None:
    parsed = bt.parse_token(text)
    assert (parsed is not None) == bool(bt.TOKEN.match(text))
    if parsed:
        assert f"{parsed[0]}.{parsed[1]}" == text
    assert bt.parse_token(bt.generate_token()) is not None


async def test_no_bootstrap_tokens_when_turned_off(pki_dir: Path, tmp_path: Path) -> None:
    srv = APIServer(server_config(pki_dir, tmp_path, enable_bootstrap_token_auth=False))
    await srv.start()
    try:
        cluster = Cluster(srv, pki_dir, tmp_path)
        async with cluster.api() as admin:
            future = datetime.now(UTC) + timedelta(hours=1)
            assert (await admin.post(SECRETS, secret("kkkkkk.0123456789abcdef", future)))[0] == 201
        assert await _refused(cluster, "kkkkkk.0123456789abcdef")
    finally:
        await srv.stop()
