"""The CertificateSigningRequests the kubelet makes, in certificates.k8s.io/v1's shape: an EC
P-256 key, a PKCS#10 request with subject O=system:nodes, CN=system:node:<name> (and, for a
serving certificate, the node's hostname and IPs as SANs), and the kubelet's signer and usages.
The kubelet asks for `key encipherment` only for RSA keys (certificate.GetUsages); these are EC.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
SERVING_SIGNER = "kubernetes.io/kubelet-serving"
CLIENT_USAGES = ["digital signature", "client auth"]
SERVING_USAGES = ["digital signature", "server auth"]
NODES_GROUP = "system:nodes"


def new_key_pem() -> bytes:
    """A fresh EC P-256 private key, PEM (SEC1, as the kubelet's keyutil writes it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def node_user(node: str) -> str:
    return f"system:node:{node}"


def request_pem(key_pem: bytes, node: str, sans: list[str] | None = None) -> bytes:
    """A PKCS#10 request for the node's identity; `sans` (hostnames and IPs) for a serving one."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, NODES_GROUP),
                         x509.NameAttribute(NameOID.COMMON_NAME, node_user(node))])
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(general_names(sans)), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def general_names(sans: list[str]) -> list[x509.GeneralName]:
    """IP addresses as IPAddress, anything else as DNSName, each once."""
    names: list[x509.GeneralName] = []
    for san in dict.fromkeys(sans):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            names.append(x509.DNSName(san))
    return names


def csr_object(request: bytes, signer: str, usages: list[str], *, name: str = "",
               expiration_seconds: int | None = None) -> dict[str, Any]:
    """The CertificateSigningRequest to create: `name`, or generateName csr- as the kubelet's renewals."""
    meta: dict[str, Any] = {"name": name} if name else {"generateName": "csr-"}
    spec: dict[str, Any] = {"request": base64.b64encode(request).decode("ascii"), "signerName": signer,
                            "usages": list(usages)}
    if expiration_seconds is not None:
        spec["expirationSeconds"] = int(expiration_seconds)
    return {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": meta,
            "spec": spec}


def bootstrap_csr_name(key_pem: bytes, node: str, usages: list[str]) -> str:
    """node-csr-<digest of the public key, subject and usages>, as the kubelet's bootstrap names it:
    a restart with the same key finds its earlier request instead of making another."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha512(public + f"|{NODES_GROUP}|{node_user(node)}|{','.join(usages)}".encode())
    return "node-csr-" + digest.hexdigest()[:40]  # hex: a DNS subdomain whatever the name rules
