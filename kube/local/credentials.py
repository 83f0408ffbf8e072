"""Credentials of the local cluster: the CA, the admin kubeconfig, and one
client certificate + kubeconfig per component.

Each component authenticates as itself (the scheduler as system:kube-scheduler,
each minion as system:node:<name> in system:nodes), exactly as a real cluster's
components do, so the authorizer's roles are exercised by `kube up` too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from kube.apiserver.auth.kubeconfig import write_kubeconfig
from kube.apiserver.auth.pki import (
    PkiPaths,
    client_cert_paths,
    ensure_pki,
    issue_client_cert,
    issue_serving_cert,
)
from kube.apiserver.auth.serviceaccount_tokens import ensure_signing_key
from kube.apiserver.auth.user import CONTROLLER_MANAGER, NODES_GROUP, SCHEDULER
from kube.apiserver.storage.encryption_config import ensure_default as ensure_default_encryption
from kube.local.layout import ClusterDir
from kube.local.plan import ENCRYPTION_CONFIG, SIMULATED_FLEET

LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]
# the one process behind every simulated minion: in system:nodes (the Builtin policy's node rules) but
# not named system:node:<name>, so the Node authorizer, which would pin it to one node, leaves it to
# RBAC's kube:simulated-fleet binding of system:node (rbac/bootstrap_policy.yaml)
SIMULATED_FLEET_USER = "kube:simulated-fleet"
PROXY_USER = "system:kube-proxy"  # bound to system:node-proxier, as kube-proxy's kubeconfig user
DNS_USER = "system:kube-dns"  # bound to system:kube-dns beside the kube-system:kube-dns ServiceAccount


@dataclass(frozen=True)
class Identity:
    """Who a component is to the API server: a user name (the CN) and groups (the Os)."""

    user: str
    groups: tuple[str, ...] = ()


def node_identity(node_name: str) -> Identity:
    return Identity(f"system:node:{node_name}", (NODES_GROUP,))


def component_identity(component: str) -> Identity:
    """The identity `kube up` gives a component of its plan, by the component's name."""
    if component == "scheduler":
        return Identity(SCHEDULER)
    if component == "controller-manager":
        return Identity(CONTROLLER_MANAGER)
    if component == "proxy":  # the machine's kube proxy and kube dns (kube.local.plan's machine daemons)
        return Identity(PROXY_USER)
    if component == "dns":
        return Identity(DNS_USER)
    if component == SIMULATED_FLEET:
        return Identity(SIMULATED_FLEET_USER, (NODES_GROUP,))
    return node_identity(component)


def ensure_admin(cluster: ClusterDir, port: int) -> PkiPaths:
    """CA, serving and admin certificates, the token file, the ServiceAccount signing key
    (sa.key, sa.pub) and the admin kubeconfig."""
    paths = ensure_pki(str(cluster.pki), LOOPBACK_HOSTS)
    ensure_signing_key(str(cluster.pki / "sa.key"), str(cluster.pki / "sa.pub"))
    tokens = cluster.pki / "tokens.csv"
    if not tokens.exists():
        tokens.write_text(f'{secrets.token_hex(24)},kube-admin,kube-admin,"system:masters"\n')
        tokens.chmod(0o600)
    ensure_default_encryption(cluster.pki / ENCRYPTION_CONFIG)  # Secrets encrypted at rest, key 0600
    write_kubeconfig(str(cluster.kubeconfig), server_url(port), paths.ca_cert,
                     cert_file=paths.admin_cert, key_file=paths.admin_key)
    return paths


def server_url(port: int) -> str:
    return f"https://127.0.0.1:{port}"


def ensure_component_kubeconfig(cluster: ClusterDir, pki: PkiPaths, component: str, port: int) -> Path:
    """The component's own certificate (issued once, again if the CA changed) and kubeconfig."""
    identity = component_identity(component)
    cert, key = client_cert_paths(str(cluster.pki), identity.user)
    if not _signed_by_ca(Path(cert), Path(key), Path(pki.ca_cert)):
        issue_client_cert(pki, identity.user, identity.groups, cert, key)
    path = cluster.component_kubeconfig(component)
    write_kubeconfig(str(path), server_url(port), pki.ca_cert, cert_file=cert, key_file=key,
                     user=identity.user)
    return path


def ensure_node_serving_cert(cluster: ClusterDir, pki: PkiPaths, node_name: str) -> tuple[Path, Path]:
    """The certificate a minion's log server presents (the API server's log proxy checks it against the CA)."""
    cert, key = cluster.pki / f"{node_name}-serving.crt", cluster.pki / f"{node_name}-serving.key"
    if not _signed_by_ca(cert, key, Path(pki.ca_cert)):
        issue_serving_cert(pki, [*LOOPBACK_HOSTS, node_name], str(cert), str(key), cn=node_name)
    return cert, key


def _signed_by_ca(cert: Path, key: Path, ca: Path) -> bool:
    """Is the certificate there, with its key, and signed by the current CA (not one since replaced)?"""
    try:
        leaf = x509.load_pem_x509_certificate(cert.read_bytes())
        leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(ca.read_bytes()))
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    return key.exists()
