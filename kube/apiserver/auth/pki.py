"""The cluster's PKI: a CA, the API server's serving certificate, and client certificates.

EC P-256 keys (fast to generate, accepted by Go's TLS and Python's ssl).
`ensure_pki` writes only what is missing, so a restart keeps the CA and every
certificate signed by it stays valid; a serving certificate that no longer
covers the requested hosts is re-issued from the same CA. A lock file makes
concurrent starters (several API servers sharing a directory) agree on one CA.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
LEAF_DAYS = 365
ADMIN_USER = "kube-admin"
ADMIN_GROUP = "system:masters"
DEFAULT_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class PkiPaths:
    ca_cert: str
    ca_key: str
    serving_cert: str
    serving_key: str
    admin_cert: str
    admin_key: str

    @classmethod
    def in_dir(cls, directory: str) -> PkiPaths:
        j = os.path.join
        return cls(j(directory, "ca.crt"), j(directory, "ca.key"), j(directory, "apiserver.crt"),
                   j(directory, "apiserver.key"), j(directory, "admin.crt"), j(directory, "admin.key"))


def _write(path: str, data: bytes, mode: int) -> None:
    """Atomic write (tmp + rename) so a reader never sees half a key."""
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(cn: str, groups: Iterable[str] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
    return x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int
             ) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days)))


def _load_ca(pki: PkiPaths) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    with open(pki.ca_cert, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    with open(pki.ca_key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{pki.ca_key}: the CA key must be an EC key")
    return cert, key


def _write_ca(pki: PkiPaths) -> None:
    key = _new_key()
    name = _name("kube-ca")
    cert = (_builder(name, name, key.public_key(), CA_DAYS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write(pki.ca_key, _key_pem(key), 0o600)
    _write(pki.ca_cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _leaf_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, key_encipherment=False, key_cert_sign=False, crl_sign=False,
                         content_commitment=False, data_encipherment=False, key_agreement=False,
                         encipher_only=False, decipher_only=False)


def _sign_leaf(pki: PkiPaths, subject: x509.Name, usages: list[x509.ObjectIdentifier], out_cert: str,
               out_key: str, sans: list[x509.GeneralName] | None = None) -> None:
    ca_cert, ca_key = _load_ca(pki)
    key = _new_key()
    builder = (_builder(subject, ca_cert.subject, key.public_key(), LEAF_DAYS)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_leaf_usage(), critical=True)
               .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write(out_key, _key_pem(key), 0o600)
    _write(out_cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _all_hosts(hosts: Iterable[str]) -> list[str]:
    out: list[str] = []
    for h in [*DEFAULT_HOSTS, *hosts]:
        h = h.strip().strip("[]")
        if h and h not in out:
            out.append(h)
    return out


def _sans(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for h in _all_hosts(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            names.append(x509.DNSName(h))
    return names


def issue_serving_cert(pki: PkiPaths, hosts: Iterable[str], out_cert: str, out_key: str,
                       cn: str = "kube-apiserver", *, client_auth: bool = False) -> None:
    """A server certificate for hosts (IP SANs for IPs, DNS SANs for names; 127.0.0.1 and localhost always).

    client_auth adds the client-auth usage: etcd dials its own gRPC gateway with its serving certificate."""
    usages = [ExtendedKeyUsageOID.SERVER_AUTH, *([ExtendedKeyUsageOID.CLIENT_AUTH] if client_auth else [])]
    _sign_leaf(pki, _name(cn), usages, out_cert, out_key, _sans(hosts))


def issue_client_cert(pki: PkiPaths, cn: str, groups: Iterable[str], out_cert: str, out_key: str) -> None:
    """A client certificate: CN is the user, each group an O (e.g. CN=system:node:n1, O=system:nodes)."""
    _sign_leaf(pki, _name(cn, groups), [ExtendedKeyUsageOID.CLIENT_AUTH], out_cert, out_key)


def _covers(cert_path: str, hosts: Iterable[str]) -> bool:
    """Does the existing serving cert name every requested host (and is it still valid for a while)?"""
    try:
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        present = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    if cert.not_valid_after_utc < dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        return False
    return all(n in present for n in _sans(hosts))


def _exists(*paths: str) -> bool:
    return all(os.path.exists(p) for p in paths)


def ensure_pki(directory: str, hosts: list[str] | None = None) -> PkiPaths:
    """Create whatever of CA, serving and admin certificates is missing in directory."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    pki = PkiPaths.in_dir(directory)
    with open(os.path.join(directory, ".pki.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _exists(pki.ca_cert, pki.ca_key):
            _write_ca(pki)
            for stale in (pki.serving_cert, pki.admin_cert):  # signed by a CA that is gone
                if os.path.exists(stale):
                    os.unlink(stale)
        if not _exists(pki.serving_cert, pki.serving_key) or not _covers(pki.serving_cert, hosts or []):
            issue_serving_cert(pki, hosts or [], pki.serving_cert, pki.serving_key)
        if not _exists(pki.admin_cert, pki.admin_key):
            issue_client_cert(pki, ADMIN_USER, [ADMIN_GROUP], pki.admin_cert, pki.admin_key)
    return pki


def client_cert_paths(directory: str, name: str) -> tuple[str, str]:
    """Where `kube certs --client NAME` writes: DIR/NAME.crt and .key, ':' made file-name safe."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    return os.path.join(directory, f"{safe}.crt"), os.path.join(directory, f"{safe}.key")
