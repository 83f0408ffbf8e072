"""`--kubelet-client-certificate` / `--kubelet-client-key` / `--kubelet-certificate-authority`:
the identity the API server shows nodes' servers, as kube-apiserver's flags (a provisioned
fleet issues it from its CA; no CA key on the master is needed to make one). A TLS server that
requires a client certificate sees exactly the given one; bad flags are one line at start."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

from kube.apiserver.auth.pki import PkiPaths, ensure_pki, issue_client_cert, issue_serving_cert
from kube.apiserver.config import ServerConfig
from kube.apiserver.subresources.node_connection import client_tls
from kube.apiserver.tls import ServingFiles


def peer_common_name(pki: PkiPaths, tmp: Path, ctx: ssl.SSLContext) -> str:
    """Handshake ctx against a one-shot server (tmp/node.crt) requiring a certificate of pki's CA."""
    cert, key = str(tmp / "node.crt"), str(tmp / "node.key")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki.ca_cert)
    server.load_cert_chain(cert, key)
    server.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[str] = []

    def accept() -> None:
        conn, _ = listener.accept()
        with server.wrap_socket(conn, server_side=True) as tls:
            seen.extend(v for rdn in tls.getpeercert()["subject"] for k, v in rdn if k == "commonName")
    thread = threading.Thread(target=accept)
    thread.start()
    with socket.create_connection(listener.getsockname()) as raw, ctx.wrap_socket(raw) as tls:
        tls.do_handshake()
    thread.join(10)
    listener.close()
    return seen[0]


def test_the_given_client_certificate_is_the_one_a_node_sees(tmp_path: Path):
    pki = ensure_pki(str(tmp_path / "pki"))
    cert, key = str(tmp_path / "given.crt"), str(tmp_path / "given.key")
    issue_client_cert(pki, "kube-apiserver-kubelet-client", ["system:masters"], cert, key)
    issue_serving_cert(pki, ["127.0.0.1"], str(tmp_path / "node.crt"), str(tmp_path / "node.key"))
    os.remove(pki.ca_key)  # as on a provisioned master: nothing can be issued there
    config = ServerConfig(kubelet_client_certificate=cert, kubelet_client_key=key,
                          kubelet_certificate_authority=pki.ca_cert, cert_dir=str(tmp_path / "unused"))
    ctx = client_tls(config, ServingFiles("", "", ""))
    assert peer_common_name(pki, tmp_path, ctx) == "kube-apiserver-kubelet-client"
    assert not (tmp_path / "unused").exists()


def start(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{tmp_path}/db",
                           "--secure-port", "1", *flags], capture_output=True, text=True, timeout=60)


def test_bad_kubelet_client_flags_are_one_line_at_start(tmp_path: Path):
    alone = start(tmp_path, "--kubelet-client-certificate", str(tmp_path / "x.crt"))
    assert alone.returncode != 0 and "go together" in alone.stderr and "Traceback" not in alone.stderr
    missing = start(tmp_path, "--kubelet-client-certificate", str(tmp_path / "x.crt"),
                    "--kubelet-client-key", str(tmp_path / "x.key"))
    assert missing.returncode != 0 and "--kubelet-client-certificate: no such file" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1, missing.stderr
