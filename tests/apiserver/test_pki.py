"""The generated PKI: idempotent, private keys private, and usable for real mutual TLS."""

from __future__ import annotations

import asyncio
import os
import ssl
import stat
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from kube.apiserver.auth import Authenticator, UserInfo
from kube.apiserver.auth.pki import ensure_pki, issue_client_cert


def _cert(path: str) -> x509.Certificate:
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def test_ensure_pki_writes_once_and_keeps_the_ca(tmp_path) -> None:
    pki = ensure_pki(str(tmp_path / "pki"), ["10.1.2.3", "api.example"])
    for key in (pki.ca_key, pki.serving_key, pki.admin_key):
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    before = {p: open(p, "rb").read() for p in (pki.ca_cert, pki.ca_key, pki.serving_cert, pki.admin_cert)}
    again = ensure_pki(str(tmp_path / "pki"), ["10.1.2.3"])
    assert again == pki
    assert {p: open(p, "rb").read() for p in before} == before

    sans = _cert(pki.serving_cert).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "10.1.2.3"}
    assert set(sans.get_values_for_type(x509.DNSName)) == {"localhost", "api.example"}
    admin = _cert(pki.admin_cert).subject
    assert admin.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "kube-admin"
    assert admin.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"


def test_new_host_reissues_serving_cert_from_same_ca(tmp_path) -> None:
    pki = ensure_pki(str(tmp_path), [])
    ca = open(pki.ca_cert, "rb").read()
    ensure_pki(str(tmp_path), ["192.0.2.7"])
    assert open(pki.ca_cert, "rb").read() == ca
    sans = _cert(pki.serving_cert).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "192.0.2.7" in {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}


def test_lost_ca_reissues_everything(tmp_path) -> None:
    pki = ensure_pki(str(tmp_path), [])
    old_admin = open(pki.admin_cert, "rb").read()
    os.unlink(pki.ca_key)
    ensure_pki(str(tmp_path), [])
    assert open(pki.admin_cert, "rb").read() != old_admin
    assert _cert(pki.admin_cert).issuer == _cert(pki.ca_cert).subject


async def _mutual_tls_peer(pki: Any, cert: str, key: str, tls12: bool = False) -> dict[str, Any] | None:
    """Handshake with the serving cert (client CA required) and return what the server saw."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(pki.serving_cert, pki.serving_key)
    server_ctx.load_verify_locations(pki.ca_cert)
    server_ctx.verify_mode = ssl.CERT_OPTIONAL
    if tls12:  # the client then learns of a rejected certificate during its own handshake
        server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    seen: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.set_result(writer.get_extra_info("peercert"))
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    client_ctx = ssl.create_default_context(cafile=pki.ca_cert)
    client_ctx.load_cert_chain(cert, key)
    async with server:
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx, server_hostname="localhost")
        peer = await asyncio.wait_for(seen, 30)
        writer.close()
    return peer


async def test_client_certs_authenticate_over_mutual_tls(tmp_path) -> None:
    pki = ensure_pki(str(tmp_path), [])
    authn = Authenticator(None, pki.ca_cert)
    admin = authn.authenticate({}, await _mutual_tls_peer(pki, pki.admin_cert, pki.admin_key))
    assert admin == UserInfo("kube-admin", ("system:masters", "system:authenticated"))
    node_cert, node_key = str(tmp_path / "n1.crt"), str(tmp_path / "n1.key")
    issue_client_cert(pki, "system:node:n1", ["system:nodes"], node_cert, node_key)
    node = authn.authenticate({}, await _mutual_tls_peer(pki, node_cert, node_key))
    assert node == UserInfo("system:node:n1", ("system:nodes", "system:authenticated"))


async def test_cert_from_another_ca_is_rejected(tmp_path) -> None:
    pki = ensure_pki(str(tmp_path / "a"), [])
    other = ensure_pki(str(tmp_path / "b"), [])
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await _mutual_tls_peer(pki, other.admin_cert, other.admin_key, tls12=True)
