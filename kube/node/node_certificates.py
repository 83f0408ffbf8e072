"""`kube node`'s certificate flags and their wiring: --bootstrap-kubeconfig (TLS bootstrap before
the agent starts), --rotate-certificates (the client certificate renewed as the node itself, the
API client switched to it for new connections, no restart) and --rotate-server-certificates (the
node server's certificate by a kubelet-serving CSR an operator approves; until then the server
keeps the one it has, or a self-signed one, and each new one is loaded into the live SSLContext).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import socket
import ssl
from pathlib import Path

from prometheus_client import CollectorRegistry

from kube.client.rest import RestClient
from kube.component.errors import UsageError
from kube.node.certificate_bootstrap import bootstrap
from kube.node.certificate_manager import CertificateManager
from kube.node.certificate_request import CLIENT_SIGNER, CLIENT_USAGES, SERVING_SIGNER, SERVING_USAGES
from kube.node.certificate_store import CLIENT_PREFIX, SERVER_PREFIX, CertificateStore, Pair

log = logging.getLogger("kube.node")


def add_certificate_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bootstrap-kubeconfig", default="",
                   help="kubeconfig with a bootstrap token and the CA: without a valid client certificate in "
                        "<root-dir>/pki the node asks for one by CSR and writes --kubeconfig")
    p.add_argument("--rotate-certificates", action=argparse.BooleanOptionalAction, default=None,
                   help="renew the client certificate by CSR at 70-90%% of its life (default: on with "
                        "--bootstrap-kubeconfig)")
    p.add_argument("--rotate-server-certificates", action="store_true",
                   help="get the node server's certificate by a kubernetes.io/kubelet-serving CSR (an operator "
                        "approves it) and renew it the same way")
    p.add_argument("--cert-dir", default="", help="where rotated pairs live (default <root-dir>/pki)")


def check_certificate_flags(args: argparse.Namespace) -> None:
    if args.rotate_certificates is None:
        args.rotate_certificates = bool(args.bootstrap_kubeconfig)
    if args.bootstrap_kubeconfig and not args.kubeconfig:
        raise UsageError("--bootstrap-kubeconfig needs --kubeconfig (where the node writes its own)")
    if (args.bootstrap_kubeconfig or args.rotate_certificates or args.rotate_server_certificates) \
            and args.runtime == "simulated" and args.count != 1:
        raise UsageError("certificate bootstrap and rotation need one node per process (--count 1): a "
                         "certificate names one node")


def node_identity(args: argparse.Namespace, parsed: dict) -> tuple[str, str]:
    """(node name, root dir) the certificates are for: the one node of this process."""
    name = parsed["name"] if args.runtime == "docker" else f"{args.name_prefix}-0"
    return name, os.path.abspath(args.root_dir or os.path.join(".cluster", "nodes", name))


def start_managers(managers: list[CertificateManager | None], stop: asyncio.Event) -> list[asyncio.Task[None]]:
    return [asyncio.ensure_future(m.run(stop)) for m in managers if m is not None]


def cert_dir(args: argparse.Namespace, root: str) -> Path:
    return Path(os.path.abspath(args.cert_dir or os.path.join(root, "pki")))


async def prepare_client(args: argparse.Namespace, node: str, root: str, stop: asyncio.Event) -> bool:
    """--bootstrap-kubeconfig: a valid client certificate (and --kubeconfig) before anything else."""
    if not args.bootstrap_kubeconfig:
        return True
    from kube.component.flags import api_servers

    store = CertificateStore(cert_dir(args, root), CLIENT_PREFIX)
    return await bootstrap(node, store, args.kubeconfig, args.bootstrap_kubeconfig, stop, api_servers(args))


def client_rotation(args: argparse.Namespace, node: str, root: str, client: RestClient,
                    registry: CollectorRegistry) -> CertificateManager | None:
    """--rotate-certificates: renewals made with the current certificate, switched into `client`."""
    if not args.rotate_certificates:
        return None
    store = CertificateStore(cert_dir(args, root), CLIENT_PREFIX)
    if store.current() is None:
        log.warning("--rotate-certificates: no %s (the kubeconfig's own certificate is used, not rotated)",
                    store.current_path)
        return None

    def switch(pair: Pair) -> None:
        client.transport.use_client_certificate(pair.cert_pem, pair.key_pem)

    manager = CertificateManager(store, node, CLIENT_SIGNER, CLIENT_USAGES, client=lambda: client, on_rotate=switch)
    manager.register_metric(registry, "client")
    return manager


def serving_sans(node: str, node_ip: str) -> list[str]:
    """The serving certificate's names: the node's name, this host's name, its InternalIP."""
    return list(dict.fromkeys([node, socket.gethostname().lower(), node_ip]))


def server_rotation(args: argparse.Namespace, node: str, root: str, client: RestClient,
                    registry: CollectorRegistry) -> tuple[CertificateManager | None, tuple[str, str] | None]:
    """--rotate-server-certificates: the manager and the pair the server starts with (current
    rotated one, else --tls-cert-file, else a self-signed one as the kubelet makes)."""
    if not args.rotate_server_certificates or not args.port:
        return None, None
    directory = cert_dir(args, root)
    store = CertificateStore(directory, SERVER_PREFIX)
    if store.current() is not None:
        start = (str(store.current_path), str(store.current_path))
    elif args.tls_cert_file:
        start = (args.tls_cert_file, args.tls_private_key_file)
    else:
        start = self_signed(directory, node, serving_sans(node, args.node_ip))
    manager = CertificateManager(store, node, SERVING_SIGNER, SERVING_USAGES, client=lambda: client,
                                 sans=serving_sans(node, args.node_ip))
    manager.register_metric(registry, "server")
    return manager, start


def reload_into(ctx: ssl.SSLContext, store: CertificateStore) -> None:
    """New handshakes present the new pair; open connections keep theirs."""
    ctx.load_cert_chain(str(store.current_path), str(store.current_path))


def self_signed(directory: Path, node: str, sans: list[str]) -> tuple[str, str]:
    """<cert-dir>/kubelet.crt and kubelet.key (the kubelet's self-signed fallback), made once."""
    cert_path, key_path = directory / "kubelet.crt", directory / "kubelet.key"
    if cert_path.exists() and key_path.exists():
        return str(cert_path), str(key_path)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    from kube.node.certificate_request import general_names, new_key_pem

    key_pem = new_key_pem()
    key = serialization.load_pem_private_key(key_pem, password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{node}@{int(dt.datetime.now().timestamp())}")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(general_names(sans)), critical=False)
            .sign(key, hashes.SHA256()))  # type: ignore[arg-type]
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path, data in ((key_path, key_pem), (cert_path, cert.public_bytes(serialization.Encoding.PEM))):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    return str(cert_path), str(key_path)
