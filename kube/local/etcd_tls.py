"""Certificates for a TLS-only etcd on loopback: a CA, etcd's serving certificate for
127.0.0.1 and a client certificate for the API server, issued by kube's own PKI code
(kube/apiserver/auth/pki.py) so no openssl binary is needed and there is one issuer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kube.apiserver.auth.pki import ensure_pki, issue_client_cert, issue_serving_cert

ETCD_SERVER_CN = "etcd-server"
ETCD_CLIENT_CN = "kube-apiserver-etcd-client"


@dataclass(frozen=True)
class EtcdTlsFiles:
    """What etcd (`--trusted-ca-file --cert-file --key-file`) and its clients (`--etcd-*file`) read."""

    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def make_etcd_tls(directory: Path) -> EtcdTlsFiles:
    """A fresh (or the existing) CA in directory and a server and a client certificate signed by it."""
    pki = ensure_pki(str(directory))
    files = EtcdTlsFiles(
        ca_file=Path(pki.ca_cert),
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
        client_cert=directory / "client.crt",
        client_key=directory / "client.key",
    )
    issue_serving_cert(pki, ["127.0.0.1"], str(files.server_cert), str(files.server_key), cn=ETCD_SERVER_CN,
                       client_auth=True)
    issue_client_cert(pki, ETCD_CLIENT_CN, [], str(files.client_cert), str(files.client_key))
    return files
