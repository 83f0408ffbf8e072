"""TLS bootstrapping against a Node,RBAC API server and the controller manager's csrapproving and
csrsigning (as system:kube-controller-manager): a bootstrap token gets a node client certificate
the API server then accepts as system:node:<name>; the node renews its own; the denials issue 18
asks for, with their reasons; kubelet-serving waits for an operator; a signer's refusal is Failed."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kube.api import bootstrap_token as bt
from tests.apiserver.certificates.conftest import as_certificate, as_token, certificate_controllers
from tests.apiserver.certificates.requests import csr_body, key_pem, new_key, node_client_request, request_b64
from tests.apiserver.conftest import Api, eventually
from tests.apiserver.rbac.conftest import Cluster

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
TOKEN = "abcdef.0123456789abcdef"
KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet"
CLIENT_USAGES = ["digital signature", "key encipherment", "client auth"]
WHOAMI = ("/apis/authentication.k8s.io/v1/selfsubjectreviews",
          {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})


async def decided(api: Api, name: str, *, issued: bool = False, timeout: float = 20) -> dict[str, Any]:
    """The CSR once it has an Approved, Denied or Failed condition (and a certificate, with `issued`)."""
    async def check() -> dict[str, Any] | None:
        status, csr = await api.get(f"{CSRS}/{name}")
        assert status == 200, csr
        done = (csr.get("status") or {}).get("conditions")
        if issued:
            return csr if csr["status"].get("certificate") or any(c["type"] == "Failed" for c in done or []) else None
        return csr if done else None
    return await eventually(check, timeout=timeout)


def certificate_of(csr: dict[str, Any]) -> x509.Certificate:
    return x509.load_pem_x509_certificate(base64.b64decode(csr["status"]["certificate"]))


def condition(csr: dict[str, Any]) -> tuple[str, str, str]:
    last = csr["status"]["conditions"][-1]
    return last["type"], last["reason"], last["message"]


async def _issue_node_cert(cluster: Cluster, boot: Api, node: str, tmp: Path) -> tuple[Path, Path]:
    key = new_key()
    body = csr_body(f"node-csr-{node}", node_client_request(node, key), KUBELET_CLIENT, CLIENT_USAGES,
                    expirationSeconds=3600)
    assert (await boot.post(CSRS, body))[0] == 201
    async with cluster.api() as admin:
        csr = await decided(admin, f"node-csr-{node}", issued=True)
    assert condition(csr) == ("Approved", "AutoApproved",
                              "Auto approving kubelet client certificate after SubjectAccessReview.")
    assert csr["spec"]["username"] == "system:bootstrap:abcdef"
    cert = certificate_of(csr)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"system:node:{node}"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(seconds=3600)
    assert cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.key_encipherment and not ku.key_cert_sign
    cert_path, key_path = tmp / f"{node}.crt", tmp / f"{node}.key"
    cert_path.write_bytes(base64.b64decode(csr["status"]["certificate"]))
    key_path.write_bytes(key_pem(key))
    return cert_path, key_path


async def test_a_bootstrap_token_gets_a_node_certificate_and_the_node_renews_it(cluster: Cluster) -> None:
    expires = datetime.now(UTC) + timedelta(hours=1)
    async with cluster.api() as admin:
        secret = bt.token_secret(TOKEN, ["authentication", "signing"], [bt.DEFAULT_GROUP], "", expires)
        assert (await admin.post("/api/v1/namespaces/kube-system/secrets", secret))[0] == 201
    async with certificate_controllers(cluster), as_token(cluster, TOKEN) as boot:
        cert, key = await _issue_node_cert(cluster, boot, "n1", cluster.tmp)
        async with as_certificate(cluster, cert, key) as node:
            status, review = await node.post(*WHOAMI)
            assert status == 201 and review["status"]["userInfo"]["username"] == "system:node:n1"
            assert "system:nodes" in review["status"]["userInfo"]["groups"]
            assert (await node.get("/api/v1/nodes"))[0] == 200

            # its own renewal: selfnodeclient; another node's name: denied
            renewal = csr_body("renew-n1", node_client_request("n1"), KUBELET_CLIENT, ["client auth"],
                               expirationSeconds=600)
            assert (await node.post(CSRS, renewal))[0] == 201
            other = csr_body("steal-n2", node_client_request("n2"), KUBELET_CLIENT, ["client auth"])
            assert (await node.post(CSRS, other))[0] == 201
            serving = csr_body("serve-n1", request_b64(new_key(), "system:node:n1", ("system:nodes",),
                                                       dns=("n1",), ips=("10.0.0.1",)),
                               "kubernetes.io/kubelet-serving", ["digital signature", "server auth"])
            assert (await node.post(CSRS, serving))[0] == 201
            csr = await decided(node, "renew-n1", issued=True)
            assert condition(csr) == ("Approved", "AutoApproved",
                                      "Auto approving self kubelet client certificate after SubjectAccessReview.")
            renewed = certificate_of(csr)
            assert renewed.not_valid_after_utc - renewed.not_valid_before_utc == timedelta(seconds=600)
            csr = await decided(node, "steal-n2")
            assert condition(csr) == ("Denied", "AutoDenied", 'node "system:node:n1" may not request a client '
                                      'certificate for "system:node:n2": a node may only renew its own')
            assert "certificate" not in csr["status"]
            # kubelet-serving: never decided by the controller manager; an operator approves
            status, csr = await node.get(f"{CSRS}/serve-n1")
            assert status == 200 and not csr["status"].get("conditions")
        done = await cluster.kubectl("kube-admin", "certificate", "approve", "serve-n1")
        assert "approved" in done.stdout
        async with cluster.api() as admin:
            serving_cert = certificate_of(await decided(admin, "serve-n1", issued=True))
        sans = serving_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == ["n1"]
        assert serving_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
        table = (await cluster.kubectl("kube-admin", "get", "csr", "--no-headers")).stdout
        states = {line.split()[0]: line.split()[-1] for line in table.splitlines()}
        assert states == {"node-csr-n1": "Approved,Issued", "renew-n1": "Approved,Issued",
                          "serve-n1": "Approved,Issued", "steal-n2": "Denied"}


async def test_a_bootstrap_token_asking_for_anything_else_is_denied_or_failed(cluster: Cluster) -> None:
    expires = datetime.now(UTC) + timedelta(hours=1)
    async with cluster.api() as admin:
        secret = bt.token_secret(TOKEN, ["authentication"], [bt.DEFAULT_GROUP], "", expires)
        assert (await admin.post("/api/v1/namespaces/kube-system/secrets", secret))[0] == 201
    async with certificate_controllers(cluster), as_token(cluster, TOKEN) as boot:
        wrong_usage = csr_body("server-usage", node_client_request("n3"), KUBELET_CLIENT, ["server auth"])
        user_cert = csr_body("user-cert", request_b64(new_key(), "mallory"), "kubernetes.io/kube-apiserver-client",
                             ["client auth"])
        wrong_subject = csr_body("wrong-subject", request_b64(new_key(), "system:node:n3"), KUBELET_CLIENT,
                                 ["client auth"])
        odd_serving = csr_body("odd-serving", request_b64(new_key(), "system:node:n3", ("system:nodes",)),
                               "kubernetes.io/kubelet-serving", ["server auth"])
        for body in (wrong_usage, user_cert, wrong_subject, odd_serving):
            assert (await boot.post(CSRS, body))[0] == 201
        assert condition(await decided(boot, "server-usage")) == (
            "Denied", "AutoDenied", "not a node client certificate request: usages did not match "
            "[client auth digital signature key encipherment]")
        assert condition(await decided(boot, "user-cert")) == (
            "Denied", "AutoDenied", "system:bootstrap:abcdef may only request node client certificates "
            "(kubernetes.io/kube-apiserver-client-kubelet), not kubernetes.io/kube-apiserver-client")
        assert condition(await decided(boot, "wrong-subject")) == (
            "Denied", "AutoDenied", "not a node client certificate request: subject organization is not system:nodes")
        await cluster.kubectl("kube-admin", "certificate", "approve", "odd-serving")
        async with cluster.api() as admin:
            csr = await decided(admin, "odd-serving", issued=True)
        assert condition(csr) == ("Failed", "SignerValidationFailure", "DNS or IP subjectAltName is required")
        assert "certificate" not in csr["status"]


async def test_bootstrapping_works_under_the_builtin_policy_too(builtin_cluster: Cluster) -> None:
    cluster = builtin_cluster
    async with cluster.api() as admin:
        secret = bt.token_secret(TOKEN, ["authentication"], [bt.DEFAULT_GROUP], "",
                                 datetime.now(UTC) + timedelta(hours=1))
        assert (await admin.post("/api/v1/namespaces/kube-system/secrets", secret))[0] == 201
    async with certificate_controllers(cluster), as_token(cluster, TOKEN) as boot:
        assert (await boot.get("/api/v1/namespaces/kube-system/secrets"))[0] == 403  # nothing but its CSRs
        cert, key = await _issue_node_cert(cluster, boot, "b1", cluster.tmp)
        async with as_certificate(cluster, cert, key) as node:
            renewal = csr_body("renew-b1", node_client_request("b1"), KUBELET_CLIENT, ["client auth"])
            assert (await node.post(CSRS, renewal))[0] == 201
            csr = await decided(node, "renew-b1", issued=True)
            assert condition(csr)[2] == "Auto approving self kubelet client certificate after SubjectAccessReview."
