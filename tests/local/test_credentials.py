"""Each component gets its own certificate: the identity the authorizer expects."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID

from kube.apiserver.auth.authorizer import authorize
from kube.apiserver.auth.user import UserInfo
from kube.local.credentials import component_identity, ensure_admin, ensure_component_kubeconfig
from kube.local.layout import ClusterDir


def cert_of_kubeconfig(path: Path) -> x509.Certificate:
    import base64

    doc = yaml.safe_load(path.read_text())
    data = base64.b64decode(doc["users"][0]["user"]["client-certificate-data"])
    return x509.load_pem_x509_certificate(data)


def subject(cert: x509.Certificate) -> tuple[str, list[str]]:
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    orgs = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return str(cn), [str(o) for o in orgs]


def test_minion_kubeconfig_holds_a_node_certificate_for_that_minion(tmp_path: Path) -> None:
    cluster = ClusterDir(tmp_path)
    cluster.create()
    pki = ensure_admin(cluster, 7443)
    path = ensure_component_kubeconfig(cluster, pki, "minion-b", 7443)
    assert path == cluster.component_kubeconfig("minion-b")
    assert subject(cert_of_kubeconfig(path)) == ("system:node:minion-b", ["system:nodes"])
    doc = yaml.safe_load(path.read_text())
    assert doc["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:7443"
    assert os.stat(path).st_mode & 0o077 == 0  # it holds a private key


def test_identities_get_the_roles_their_components_need() -> None:
    def user(component: str) -> UserInfo:
        ident = component_identity(component)
        return UserInfo(ident.user, ident.groups)

    assert authorize(user("scheduler"), "create", "pods", "binding", "default")
    assert not authorize(user("scheduler"), "create", "deployments", "", "default", "apps")
    assert authorize(user("controller-manager"), "create", "pods", "", "default")
    for node in ("nodes", "minion-a"):
        assert authorize(user(node), "patch", "pods", "status", "default")
        assert authorize(user(node), "update", "leases", "", "kube-node-lease", "coordination.k8s.io")
        assert not authorize(user(node), "create", "deployments", "", "default", "apps")


def test_certificates_are_kept_across_runs_and_reissued_when_the_ca_changes(tmp_path: Path) -> None:
    cluster = ClusterDir(tmp_path)
    cluster.create()
    pki = ensure_admin(cluster, 7443)
    first = cert_of_kubeconfig(ensure_component_kubeconfig(cluster, pki, "scheduler", 7443))
    again = cert_of_kubeconfig(ensure_component_kubeconfig(cluster, pki, "scheduler", 8443))
    assert again.serial_number == first.serial_number
    # a new CA (the old one deleted): the old certificate would no longer verify
    os.unlink(pki.ca_cert)
    os.unlink(pki.ca_key)
    pki = ensure_admin(cluster, 7443)
    renewed = cert_of_kubeconfig(ensure_component_kubeconfig(cluster, pki, "scheduler", 7443))
    ca = x509.load_pem_x509_certificate(Path(pki.ca_cert).read_bytes())
    assert renewed.serial_number != first.serial_number
    renewed.verify_directly_issued_by(ca)
