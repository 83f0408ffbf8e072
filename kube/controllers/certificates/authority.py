"""The CA that signs approved CSRs: `--cluster-signing-cert-file` / `--cluster-signing-key-file`,
as Kubernetes' pkg/controller/certificates/authority.

A certificate lives min(spec.expirationSeconds, --cluster-signing-duration), never past the
CA's own notAfter; it is backdated 5 minutes for clock skew unless it is short-lived (under
8 h, Kubernetes' PermissiveSigningPolicy.Short), so a short certificate's clock starts now.
The key usages are the request's; subject and subjectAltNames are the CSR's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

BACKDATE = dt.timedelta(minutes=5)
SHORT = dt.timedelta(hours=8)
DEFAULT_DURATION = 8760 * 3600.0
_KEY_USAGE_FLAGS = {"signing": "digital_signature", "digital signature": "digital_signature",
                    "content commitment": "content_commitment", "key encipherment": "key_encipherment",
                    "key agreement": "key_agreement", "data encipherment": "data_encipherment",
                    "cert sign": "key_cert_sign", "crl sign": "crl_sign", "encipher only": "encipher_only",
                    "decipher only": "decipher_only"}
_EXTENDED = {"any": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE, "server auth": ExtendedKeyUsageOID.SERVER_AUTH,
             "client auth": ExtendedKeyUsageOID.CLIENT_AUTH, "code signing": ExtendedKeyUsageOID.CODE_SIGNING,
             "email protection": ExtendedKeyUsageOID.EMAIL_PROTECTION, "s/mime": ExtendedKeyUsageOID.EMAIL_PROTECTION,
             "ipsec end system": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
             "ipsec tunnel": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
             "ipsec user": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
             "timestamping": ExtendedKeyUsageOID.TIME_STAMPING, "ocsp signing": ExtendedKeyUsageOID.OCSP_SIGNING,
             "microsoft sgc": x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
             "netscape sgc": x509.ObjectIdentifier("2.16.840.1.113730.4.1")}

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


class AuthorityError(ValueError):
    """The signing files cannot be used; the message names the file (one line at start)."""


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise AuthorityError(f"cannot read {path}: {exc.strerror}") from None


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: SigningKey
    max_duration: float = DEFAULT_DURATION

    @classmethod
    def load(cls, cert_file: str, key_file: str, max_duration: float = DEFAULT_DURATION) -> Authority:
        cert_pem, key_pem = _read(cert_file), _read(key_file)
        try:
            cert = x509.load_pem_x509_certificate(cert_pem)
        except ValueError as exc:
            raise AuthorityError(f"{cert_file}: not a PEM certificate: {exc}") from None
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise AuthorityError(f"{key_file}: not a PEM private key: {exc}") from None
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            raise AuthorityError(f"{key_file}: only RSA, EC and Ed25519 keys sign certificates")
        return cls(cert, key, max_duration)

    def sign(self, request: x509.CertificateSigningRequest, usages: list[str], expiration_seconds: int | None,
             now: dt.datetime | None = None) -> bytes:
        """The issued certificate, PEM."""
        now = now or dt.datetime.now(dt.UTC)
        seconds = self.max_duration if not expiration_seconds else min(float(expiration_seconds), self.max_duration)
        life = dt.timedelta(seconds=seconds)
        not_before = now - BACKDATE if life >= SHORT else now
        not_after = min(now + life, self.certificate.not_valid_after_utc)
        flags = {f: False for f in set(_KEY_USAGE_FLAGS.values())}
        for usage in usages:
            if usage in _KEY_USAGE_FLAGS:
                flags[_KEY_USAGE_FLAGS[usage]] = True
        builder = (x509.CertificateBuilder().subject_name(request.subject).issuer_name(self.certificate.subject)
                   .public_key(request.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_after)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.certificate.public_key()), critical=False))  # type: ignore[arg-type]
        if any(flags.values()):
            builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
        extended = list(dict.fromkeys(_EXTENDED[u] for u in usages if u in _EXTENDED))
        if extended:
            builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
        try:
            sans = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            builder = builder.add_extension(sans, critical=False)
        except x509.ExtensionNotFound:
            pass
        algorithm = None if isinstance(self.key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
        return builder.sign(self.key, algorithm).public_bytes(serialization.Encoding.PEM)
