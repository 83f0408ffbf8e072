"""Certificates for a TLS-only etcd: etcd's serving certificate names 127.0.0.1 and may also
act as a client (etcd dials its own gRPC gateway with it); the client certificate is signed
by the same CA and is a client certificate only."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from kube.local.etcd_tls import ETCD_CLIENT_CN, make_etcd_tls


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _usages(cert: x509.Certificate) -> set[x509.ObjectIdentifier]:
    return set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def test_server_and_client_certificates_are_signed_by_the_ca(tmp_path: Path) -> None:
    files = make_etcd_tls(tmp_path / "pki")
    ca, server, client = _cert(files.ca_file), _cert(files.server_cert), _cert(files.client_cert)
    for leaf in (server, client):
        leaf.verify_directly_issued_by(ca)
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    assert _usages(server) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert _usages(client) == {ExtendedKeyUsageOID.CLIENT_AUTH}
    assert client.subject.rfc4514_string() == f"CN={ETCD_CLIENT_CN}"
    assert files.server_key.stat().st_mode & 0o077 == 0 and files.client_key.stat().st_mode & 0o077 == 0
