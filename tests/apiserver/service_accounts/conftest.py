"""An API server that issues ServiceAccount tokens: a signing key and an older verification key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, client_session, server_config

NS = "/api/v1/namespaces/default"


def write_key(path: Path) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return key


@pytest.fixture(scope="module")
def sa_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The signing key and an older, still-trusted verification key (rotation)."""
    base = tmp_path_factory.mktemp("sa-keys")
    write_key(base / "sa.key")
    old = write_key(base / "old.key")
    (base / "old.pub").write_bytes(old.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return base / "sa.key", base / "old.key"


@pytest.fixture
async def sa_server(pki_dir: Path, tmp_path: Path, sa_keys: tuple[Path, Path]) -> AsyncIterator[APIServer]:
    signing, old = sa_keys
    srv = APIServer(server_config(pki_dir, tmp_path, service_account_signing_key_file=str(signing),
                                  service_account_key_files=(str(old.with_suffix(".pub")),)))
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def admin(sa_server: APIServer, pki_dir: Path) -> AsyncIterator[Api]:
    async with client_session(sa_server.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
        yield Api(session, sa_server)


async def as_token(api: Api, pki_dir: Path, token: str, path: str = f"{NS}/pods") -> int:
    async with client_session(api.server.url, ca_file(pki_dir), token) as session:
        async with session.get(path) as resp:
            return resp.status


async def make_sa(api: Api, name: str = "robot") -> dict[str, Any]:
    code, sa = await api.post(f"{NS}/serviceaccounts", {"metadata": {"name": name}})
    assert code == 201, sa
    return sa


async def request_token(api: Api, name: str = "robot", **spec: Any) -> tuple[int, Any]:
    return await api.post(f"{NS}/serviceaccounts/{name}/token",
                          {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec})


