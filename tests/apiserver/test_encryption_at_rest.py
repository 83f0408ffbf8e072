"""Secrets encrypted at rest (`--encryption-provider-config`), through the real server on
SQLite and etcd: nothing of a Secret in the store's files, the stored bytes decrypted
outside the server with the key, key rotation by `kubectl get -o json | kubectl replace`,
and a Secret whose key is gone answering 500 for itself alone."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kube.apiserver.server import APIServer
from kube.apiserver.storage.encrypted_store import EncryptingStore
from tests.apiserver.conftest import (
    ADMIN_TOKEN,
    Api,
    ca_file,
    client_session,
    server_config,
    write_kubeconfig,
)
from tests.fixtures.etcd_cluster import EtcdCluster

KUBECTL = str(Path(sys.executable).parent / "kubectl")
MARKER = "s3cr3t-PLAINTEXT-" + uuid.uuid4().hex[:8]
B64 = base64.b64encode(MARKER.encode()).decode()
KEY1, KEY2 = os.urandom(32), os.urandom(32)


def encryption_file(path: Path, *providers: dict[str, Any]) -> str:
    path.write_text(json.dumps({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
                                "resources": [{"resources": ["secrets"], "providers": list(providers)}]}))
    return str(path)


def keyed(kind: str, name: str, secret: bytes) -> dict[str, Any]:
    return {kind: {"keys": [{"name": name, "secret": base64.b64encode(secret).decode()}]}}


@asynccontextmanager
async def serving(pki_dir: Path, state: Path, config_file: str, **overrides: Any) -> AsyncIterator[Api]:
    srv = APIServer(server_config(pki_dir, state, encryption_provider_config=config_file, **overrides))
    await srv.start()
    try:
        async with client_session(srv.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            yield Api(session, srv)
    finally:
        await srv.stop()


def kubectl(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(config.parent / "kcache"), *args],
                          capture_output=True, text=True, timeout=60, input=stdin)


def secret_manifest(name: str, namespace: str = "default") -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
                       "data": {"password": B64}})


async def raw(api: Api, key: str) -> bytes:
    assert api.server.state is not None
    store = api.server.state.store
    assert isinstance(store, EncryptingStore)
    kv = await store.inner.get(key)
    assert kv is not None
    return kv.value


def aescbc_open(stored: bytes, key_name: str, key: bytes) -> dict[str, Any]:
    """What an operator does with the key and nothing of ours: strip the prefix, AES-CBC, unpad."""
    body = stored.removeprefix(f"k8s:enc:aescbc:v1:{key_name}:".encode())
    dec = Cipher(algorithms.AES(key), modes.CBC(body[:16])).decryptor()
    padded = dec.update(body[16:]) + dec.finalize()
    return orjson.loads(padded[:-padded[-1]])


def plaintext_in(paths: list[Path]) -> list[str]:
    needles = [MARKER.encode(), base64.b64encode(MARKER.encode())]
    return [str(p) for p in paths if p.is_file() and any(n in p.read_bytes() for n in needles)]


async def test_sqlite_secrets_encrypted_read_back_and_rotated(pki_dir: Path, tmp_path: Path) -> None:
    first = encryption_file(tmp_path / "enc1.json", keyed("aescbc", "key1", KEY1), {"identity": {}})
    kcfg = tmp_path / "kubeconfig"
    async with serving(pki_dir, tmp_path, first) as api:
        write_kubeconfig(kcfg, api.server.url, ca_file(pki_dir), ADMIN_TOKEN)
        applied = await asyncio.to_thread(kubectl, kcfg, "apply", "-f", "-", stdin=secret_manifest("db"))
        assert applied.returncode == 0, applied.stderr
        assert (await api.post("/api/v1/namespaces", {"metadata": {"name": "other"}}))[0] == 201
        assert (await api.post("/api/v1/namespaces/other/secrets",
                               {"metadata": {"name": "o"}, "data": {"p": B64}}))[0] == 201
        assert (await api.post("/api/v1/namespaces/default/configmaps",
                               {"metadata": {"name": "plain"}, "data": {"k": "visible"}}))[0] == 201
        status, got = await api.get("/api/v1/namespaces/default/secrets/db")
        assert status == 200 and base64.b64decode(got["data"]["password"]).decode() == MARKER
        status, listed = await api.get("/api/v1/secrets")
        assert status == 200 and {"db", "o"} <= {s["metadata"]["name"] for s in listed["items"]}
        stored = await raw(api, "/registry/secrets/default/db")
        assert stored.startswith(b"k8s:enc:aescbc:v1:key1:")
        outside = aescbc_open(stored, "key1", KEY1)
        assert base64.b64decode(outside["data"]["password"]).decode() == MARKER
        assert B64 in outside["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        assert (await raw(api, "/registry/configmaps/default/plain")).startswith(b"{")  # not configured: plain
    store_files = sorted(tmp_path.glob("state.db*"))
    assert store_files and plaintext_in(store_files) == []

    # rotation: key2 (aesgcm) writes, key1 still reads; re-write every Secret, then drop key1
    second = encryption_file(tmp_path / "enc2.json", keyed("aesgcm", "key2", KEY2), keyed("aescbc", "key1", KEY1))
    async with serving(pki_dir, tmp_path, second) as api:
        write_kubeconfig(kcfg, api.server.url, ca_file(pki_dir), ADMIN_TOKEN)
        dumped = await asyncio.to_thread(kubectl, kcfg, "get", "secrets", "-A", "-o", "json")
        assert dumped.returncode == 0, dumped.stderr
        replaced = await asyncio.to_thread(kubectl, kcfg, "replace", "-f", "-", stdin=dumped.stdout)
        assert replaced.returncode == 0, replaced.stderr
        for key in ("/registry/secrets/default/db", "/registry/secrets/other/o"):
            body = (await raw(api, key)).removeprefix(b"k8s:enc:aesgcm:v1:key2:")
            assert orjson.loads(AESGCM(KEY2).decrypt(body[:12], body[12:], key.encode()))["metadata"]["name"]
    only_new = encryption_file(tmp_path / "enc3.json", keyed("aesgcm", "key2", KEY2))
    async with serving(pki_dir, tmp_path, only_new) as api:
        status, listed = await api.get("/api/v1/secrets")
        assert status == 200 and {"db", "o"} <= {s["metadata"]["name"] for s in listed["items"]}
        status, got = await api.get("/api/v1/namespaces/other/secrets/o")
        assert status == 200 and base64.b64decode(got["data"]["p"]).decode() == MARKER


async def test_a_secret_whose_key_is_gone_fails_alone(pki_dir: Path, tmp_path: Path) -> None:
    old = encryption_file(tmp_path / "old.json", keyed("secretbox", "old", KEY1))
    async with serving(pki_dir, tmp_path, old) as api:
        assert (await api.post("/api/v1/namespaces", {"metadata": {"name": "lost"}}))[0] == 201
        assert (await api.post("/api/v1/namespaces/lost/secrets", {"metadata": {"name": "s"},
                                                                    "data": {"p": B64}}))[0] == 201
    new = encryption_file(tmp_path / "new.json", keyed("aescbc", "new", KEY2))
    async with serving(pki_dir, tmp_path, new) as api:
        assert (await api.post("/api/v1/namespaces/default/secrets", {"metadata": {"name": "fresh"},
                                                                       "data": {"p": "eA=="}}))[0] == 201
        for path in ("/api/v1/namespaces/lost/secrets/s", "/api/v1/namespaces/lost/secrets/s?resourceVersion=0",
                     "/api/v1/namespaces/lost/secrets", "/api/v1/secrets"):
            status, body = await api.get(path)
            assert status == 500 and body["reason"] == "InternalError", (path, body)
            assert body["message"] == ('Internal error occurred: unable to transform key '
                                       '"/registry/secrets/lost/s": no matching prefix found'), path
        status, fresh = await api.get("/api/v1/namespaces/default/secrets/fresh")
        assert status == 200 and fresh["data"] == {"p": "eA=="}
        assert (await api.get("/api/v1/namespaces/default/secrets"))[0] == 200
        assert (await api.get("/api/v1/namespaces"))[0] == 200
        # the watch cache carried on past it: a write after the bad one is seen by lists
        assert (await api.post("/api/v1/namespaces/default/secrets", {"metadata": {"name": "later"}}))[0] == 201
        status, listed = await api.get("/api/v1/namespaces/default/secrets")
        assert {"fresh", "later"} <= {s["metadata"]["name"] for s in listed["items"]}


async def test_etcd_stored_values_are_encrypted(etcd_cluster_factory: Any, pki_dir: Path, tmp_path: Path) -> None:
    cluster: EtcdCluster = etcd_cluster_factory(1)
    config_file = encryption_file(tmp_path / "enc.json", keyed("aescbc", "key1", KEY1))
    async with serving(pki_dir, tmp_path, config_file, store="etcd:" + cluster.endpoints[0],
                       etcd_prefix="/enc-test") as api:
        status, _ = await api.post("/api/v1/namespaces/default/secrets",
                                   {"metadata": {"name": "e", "annotations": {"note": MARKER}},
                                    "data": {"password": B64}})
        assert status == 201
        stored = await raw(api, "/registry/secrets/default/e")
        assert stored.startswith(b"k8s:enc:aescbc:v1:key1:")
        assert aescbc_open(stored, "key1", KEY1)["metadata"]["annotations"]["note"] == MARKER
        events = await api.watch("/api/v1/namespaces/default/secrets?watch=true&resourceVersion=0", until=1)
        assert events[0]["object"]["metadata"]["annotations"]["note"] == MARKER
    files = [p for m in cluster.members for p in m.directory.rglob("*")]
    assert files and plaintext_in(files) == []


async def test_a_bad_config_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n"
                   "- resources: [secrets]\n  providers: [{aescbc: {keys: [{name: k, secret: c2hvcnQ=}]}}]\n")
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{tmp_path / 's.db'}",
                         "--encryption-provider-config", str(bad), "--secure-port", "1"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "secret is not of the expected length, got 5" in done.stderr and "Traceback" not in done.stderr
