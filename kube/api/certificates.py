"""certificates.k8s.io/v1 CertificateSigningRequest facts shared by the API server (validation,
tables), the controllers (approver, signer) and clients: signer names, key usages, conditions,
and reading spec.request and status.certificate, as Kubernetes' `pkg/apis/certificates` helpers.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

GROUP = "certificates.k8s.io"
KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
KUBE_APISERVER_CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet"
KUBELET_SERVING = "kubernetes.io/kubelet-serving"
LEGACY_UNKNOWN = "kubernetes.io/legacy-unknown"
NODES_GROUP = "system:nodes"
NODE_PREFIX = "system:node:"
MIN_EXPIRATION_SECONDS = 600

APPROVED, DENIED, FAILED = "Approved", "Denied", "Failed"
# every usage Kubernetes' KeyUsage names, in its documented order
USAGES = ("signing", "digital signature", "content commitment", "key encipherment", "key agreement",
          "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
          "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system",
          "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc")
KUBELET_CLIENT_USAGES = frozenset({"client auth"})
KUBELET_CLIENT_OPTIONAL = frozenset({"digital signature", "key encipherment"})


class RequestError(ValueError):
    """spec.request is not a CSR PEM; the message is Kubernetes' (capihelper.ParseCSR)."""


def pem_bytes(value: Any) -> bytes:
    """A JSON `bytes` field (base64 text) as raw bytes; RequestError when it is not base64."""
    if not isinstance(value, str):
        raise RequestError("must be base64-encoded PEM")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError("illegal base64 data") from None


def parse_request(value: Any) -> x509.CertificateSigningRequest:
    """spec.request (base64 of a CERTIFICATE REQUEST PEM block) as a parsed CSR."""
    pem = pem_bytes(value)
    start = pem.find(b"-----BEGIN ")
    if start < 0:
        raise RequestError("PEM block type must be CERTIFICATE REQUEST")
    label = pem[start + 11:pem.find(b"-----", start + 11)]
    if label != b"CERTIFICATE REQUEST":
        raise RequestError("PEM block type must be CERTIFICATE REQUEST")
    try:
        return x509.load_pem_x509_csr(pem[start:])
    except ValueError as exc:
        raise RequestError(f"asn1: structure error: {exc}") from None


def certificate_blocks(value: Any) -> list[x509.Certificate]:
    """status.certificate's CERTIFICATE blocks; RequestError unless there is at least one and all parse."""
    pem = pem_bytes(value)
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise RequestError("must contain at least one CERTIFICATE PEM block")
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise RequestError(f"invalid certificate: {exc}") from None


def subject_values(csr: x509.CertificateSigningRequest, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in csr.subject.get_attributes_for_oid(oid)]


def common_name(csr: x509.CertificateSigningRequest) -> str:
    names = subject_values(csr, NameOID.COMMON_NAME)
    return names[0] if names else ""


def _sans(csr: x509.CertificateSigningRequest) -> x509.SubjectAlternativeName | None:
    try:
        return csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def san_counts(csr: x509.CertificateSigningRequest) -> dict[str, int]:
    """How many DNS, IP, email and URI subjectAltNames the request has."""
    sans = _sans(csr)
    kinds = {"dns": x509.DNSName, "ip": x509.IPAddress, "email": x509.RFC822Name, "uri": x509.UniformResourceIdentifier}
    return {k: len(sans.get_values_for_type(t)) if sans is not None else 0 for k, t in kinds.items()}


def kubelet_client_problem(csr: x509.CertificateSigningRequest, usages: list[str]) -> str:
    """Why the request is not a node client certificate (ValidateKubeletClientCSR); "" when it is."""
    if subject_values(csr, NameOID.ORGANIZATION_NAME) != [NODES_GROUP]:
        return "subject organization is not system:nodes"
    sans = san_counts(csr)
    for kind, word in (("dns", "DNS"), ("email", "Email"), ("ip", "IP"), ("uri", "URI")):
        if sans[kind]:
            return f"{word} subjectAltNames are not allowed"
    if not common_name(csr).startswith(NODE_PREFIX):
        return "subject common name does not begin with system:node:"
    given = set(usages)
    if not KUBELET_CLIENT_USAGES <= given or not given <= KUBELET_CLIENT_USAGES | KUBELET_CLIENT_OPTIONAL:
        return "usages did not match [client auth digital signature key encipherment]"
    return ""


def kubelet_serving_problem(csr: x509.CertificateSigningRequest, usages: list[str]) -> str:
    """Why the request is not a node serving certificate (ValidateKubeletServingCSR); "" when it is."""
    if subject_values(csr, NameOID.ORGANIZATION_NAME) != [NODES_GROUP]:
        return "subject organization is not system:nodes"
    sans = san_counts(csr)
    if not sans["dns"] and not sans["ip"]:
        return "DNS or IP subjectAltName is required"
    if sans["email"] or sans["uri"]:
        return "Email and URI subjectAltNames are not allowed"
    if not common_name(csr).startswith(NODE_PREFIX):
        return "subject common name does not begin with system:node:"
    given = set(usages)
    if "server auth" not in given or not given <= {"server auth", "digital signature", "key encipherment"}:
        return "usages did not match [digital signature key encipherment server auth]"
    return ""


def client_problem(csr: x509.CertificateSigningRequest, usages: list[str]) -> str:
    """Why the request is not a kube-apiserver client certificate; "" when it is."""
    for usage in usages:
        if usage not in ("client auth", "digital signature", "key encipherment"):
            return f"invalid usage for client certificate: {usage}"
    if "client auth" not in usages:
        return "missing required usage for client certificate: client auth"
    return ""


# the signers the controller manager's csrsigning issues for -> why a request does not fit one
SIGNER_CHECKS = {KUBE_APISERVER_CLIENT_KUBELET: kubelet_client_problem, KUBELET_SERVING: kubelet_serving_problem,
                 KUBE_APISERVER_CLIENT: client_problem}


def conditions(csr: dict[str, Any]) -> list[dict[str, Any]]:
    status = csr.get("status")
    found = status.get("conditions") if isinstance(status, dict) else None
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def has_condition(csr: dict[str, Any], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status", "True") == "True" for c in conditions(csr))


def state_text(csr: dict[str, Any]) -> str:
    """The CONDITION column of `kubectl get csr` (extractCSRStatus)."""
    types = {c.get("type") for c in conditions(csr)}
    text = DENIED if DENIED in types else APPROVED if APPROVED in types else "Pending"
    if FAILED in types:
        text += ",Failed"
    status = csr.get("status")
    if isinstance(status, dict) and status.get("certificate"):
        text += ",Issued"
    return text
