"""Certificate signing requests for tests: an EC key (fast) and its CSR PEM, base64 as
spec.request carries it."""

from __future__ import annotations

import base64
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def request_pem(key: ec.EllipticCurvePrivateKey, cn: str, orgs: tuple[str, ...] = (), dns: tuple[str, ...] = (),
                ips: tuple[str, ...] = ()) -> bytes:
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([*names, x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def request_b64(key: ec.EllipticCurvePrivateKey, cn: str, orgs: tuple[str, ...] = (), **kw: tuple[str, ...]) -> str:
    return base64.b64encode(request_pem(key, cn, orgs, **kw)).decode()


def node_client_request(node: str, key: ec.EllipticCurvePrivateKey | None = None) -> str:
    """A kubelet client CSR: O=system:nodes, CN=system:node:<node>."""
    return request_b64(key or new_key(), f"system:node:{node}", ("system:nodes",))


def csr_body(name: str, request: str, signer: str, usages: list[str], **spec: object) -> dict:
    return {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": name},
            "spec": {"request": request, "signerName": signer, "usages": usages, **spec}}


SAMPLE_REQUEST = request_b64(new_key(), "ordered")
