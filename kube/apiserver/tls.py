"""The serving TLS context: the given certificate or one from the generated PKI,
client certificates verified against the client CA when there is one."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from kube.apiserver.config import ServerConfig


@dataclass(frozen=True)
class ServingFiles:
    cert: str
    key: str
    client_ca: str


def serving_files(config: ServerConfig) -> ServingFiles:
    """The files to serve with; generated under --cert-dir when no certificate was given."""
    if config.tls_cert_file and config.tls_private_key_file:
        return ServingFiles(config.tls_cert_file, config.tls_private_key_file, config.client_ca_file)
    from kube.apiserver.auth.pki import ensure_pki

    cert_dir = config.cert_dir or "apiserver.local.config/certificates"
    hosts = ["127.0.0.1", "localhost"]
    if config.bind_address not in ("0.0.0.0", "::", "", "127.0.0.1"):
        hosts.append(config.bind_address)
    paths = ensure_pki(cert_dir, hosts)
    return ServingFiles(paths.serving_cert, paths.serving_key, config.client_ca_file or paths.ca_cert)


def server_context(files: ServingFiles) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(files.cert, files.key)
    if files.client_ca:
        ctx.load_verify_locations(files.client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL  # bearer tokens need no client certificate
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx
