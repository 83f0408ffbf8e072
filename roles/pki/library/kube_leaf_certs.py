#!/usr/bin/python
"""Issue one host's leaf keys and certificates from the cluster CA, in one module call.

Why not community.crypto's openssl_privatekey / openssl_csr / x509_certificate per
certificate: three module runs (each importing cryptography) per certificate, about 30
certificates in a 3 + 3 fleet, all on the CA host, were half of a converged site.yml
(60 of 115 s). Here a host's whole list is one run. A certificate is kept while it still
says what is asked (subject, names, usages), matches its key and was signed by this CA;
otherwise it is signed anew (the key kept); `reissue` makes new keys and certificates.
The same run reports each certificate's notAfter and whether it falls inside the warning
window. Works with Debian bookworm's python3-cryptography (38) and newer."""

from __future__ import annotations

import datetime
import ipaddress
import os

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: kube_leaf_certs
short_description: Issue a host's leaf keys and certificates from the cluster CA (one call)
description: Keeps what still matches; signs anew what does not; reports each notAfter.
options:
  ca_cert: {description: The CA certificate (PEM)., type: path, required: true}
  ca_key: {description: The CA private key (PEM)., type: path, required: true}
  dir: {description: Where this host's keys and certificates live on the CA host., type: path, required: true}
  certs: {description: "Each {name, cn, o, usage, sans}.", type: list, elements: dict, required: true}
  days: {description: Lifetime of a new certificate., type: int, default: 365}
  reissue: {description: New keys and certificates for every entry., type: bool, default: false}
  warning_days: {description: A certificate ending within this many days is reported soon., type: int, default: 30}
"""

USAGES = {"serverAuth": "SERVER_AUTH", "clientAuth": "CLIENT_AUTH"}


def _utc_after(cert) -> datetime.datetime:
    after = getattr(cert, "not_valid_after_utc", None)
    return after if after is not None else cert.not_valid_after.replace(tzinfo=datetime.UTC)


def _names(x509, sans: list[str]) -> list:
    out = []
    for san in sans:
        kind, _, value = san.partition(":")
        if kind == "IP":
            out.append(x509.IPAddress(ipaddress.ip_address(value)))
        elif kind == "DNS":
            out.append(x509.DNSName(value))
        else:
            raise ValueError(f"a subject alternative name is IP:<address> or DNS:<name>, not {san!r}")
    return out


class Issuer:
    """The CA, loaded once; what a wanted certificate is, and whether one on disk is it."""

    def __init__(self, crypto, ca_cert: str, ca_key: str) -> None:
        self.c = crypto
        with open(ca_cert, "rb") as f:
            self.ca = crypto.x509.load_pem_x509_certificate(f.read())
        with open(ca_key, "rb") as f:
            self.ca_key = crypto.serialization.load_pem_private_key(f.read(), password=None)

    def _subject(self, want: dict):
        x509, oid = self.c.x509, self.c.x509.oid.NameOID
        attrs = [x509.NameAttribute(oid.ORGANIZATION_NAME, o) for o in want.get("o") or []]
        return x509.Name([*attrs, x509.NameAttribute(oid.COMMON_NAME, want["cn"])])

    def _signed_by_ca(self, cert) -> bool:
        ec, padding = self.c.ec, self.c.padding
        public = self.ca.public_key()
        try:
            if isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
            else:
                public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                              cert.signature_hash_algorithm)
        except self.c.InvalidSignature:
            return False
        return cert.issuer == self.ca.subject

    def matches(self, cert, key, want: dict) -> bool:
        x509, ser = self.c.x509, self.c.serialization
        pub = ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo
        if cert.public_key().public_bytes(*pub) != key.public_key().public_bytes(*pub):
            return False
        if not self._signed_by_ca(cert):
            return False
        have_subject = {(a.oid, a.value) for a in cert.subject}
        if have_subject != {(a.oid, a.value) for a in self._subject(want)}:
            return False
        try:
            sans = set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
        except x509.ExtensionNotFound:
            sans = set()
        wanted = set(_names(x509, want.get("sans") or []))
        # community.crypto's openssl_csr, which made the certificates of earlier releases,
        # put the common name in as a DNS name when none was asked: still what is asked
        legacy = {x509.DNSName(want["cn"])} if not wanted else None
        if sans != wanted and sans != legacy:
            return False
        try:
            usage = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            usage = set()
        return usage == {getattr(x509.oid.ExtendedKeyUsageOID, USAGES[u]) for u in want["usage"]}

    def sign(self, key, want: dict, days: int):
        x509 = self.c.x509
        now = datetime.datetime.now(datetime.UTC)
        builder = (x509.CertificateBuilder()
                   .subject_name(self._subject(want)).issuer_name(self.ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=days)))
        names = _names(x509, want.get("sans") or [])
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = (builder
                   .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True,
                                                content_commitment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                encipher_only=False, decipher_only=False), critical=False)
                   .add_extension(x509.ExtendedKeyUsage(
                       [getattr(x509.oid.ExtendedKeyUsageOID, USAGES[u]) for u in want["usage"]]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca.public_key()),
                                  critical=False))
        return builder.sign(self.ca_key, self.c.hashes.SHA256())


def _crypto():
    from types import SimpleNamespace

    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    return SimpleNamespace(x509=x509, InvalidSignature=InvalidSignature, hashes=hashes,
                           serialization=serialization, ec=ec, padding=padding)


def _write(path: str, data: bytes, mode: int) -> None:
    """Atomically: a reader never sees half a key."""
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _load(path: str, loader):
    try:
        with open(path, "rb") as f:
            return loader(f.read())
    except (OSError, ValueError):
        return None


def converge(module: AnsibleModule) -> dict:
    p, crypto = module.params, _crypto()
    issuer = Issuer(crypto, p["ca_cert"], p["ca_key"])
    ser = crypto.serialization
    changed: list[str] = []
    report = []
    if not os.path.isdir(p["dir"]):
        changed.append(p["dir"])
        if not module.check_mode:
            os.makedirs(p["dir"], mode=0o700)
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=p["warning_days"])
    for want in p["certs"]:
        for field in ("name", "cn", "usage"):
            if not want.get(field):
                module.fail_json(msg=f"certificate entry {want!r} has no {field}")
        unknown = [u for u in want["usage"] if u not in USAGES]
        if unknown:
            module.fail_json(msg=f"{want['name']}: unknown usage {unknown}; known: {sorted(USAGES)}")
        key_path, cert_path = (os.path.join(p["dir"], want["name"] + ext) for ext in (".key", ".crt"))
        key = None if p["reissue"] else _load(key_path, lambda b: ser.load_pem_private_key(b, password=None))
        cert = None if p["reissue"] else _load(cert_path, crypto.x509.load_pem_x509_certificate)
        new_key = key is None
        if new_key:
            key = crypto.ec.generate_private_key(crypto.ec.SECP256R1())
            changed.append(key_path)
            if not module.check_mode:
                _write(key_path, key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL,
                                                   ser.NoEncryption()), 0o600)
        elif os.stat(key_path).st_mode & 0o777 != 0o600:
            changed.append(key_path)
            if not module.check_mode:
                os.chmod(key_path, 0o600)
        if cert is None or new_key or not issuer.matches(cert, key, want):
            try:
                cert = issuer.sign(key, want, p["days"])
            except ValueError as e:
                module.fail_json(msg=f"{want['name']}: {e}")
            changed.append(cert_path)
            if not module.check_mode:
                _write(cert_path, cert.public_bytes(ser.Encoding.PEM), 0o644)
        after = _utc_after(cert)
        report.append({"name": want["name"], "not_after": after.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "soon": after <= soon})
    return {"changed": bool(changed), "written": changed, "certs": report}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "ca_cert": {"type": "path", "required": True}, "ca_key": {"type": "path", "required": True},
            "dir": {"type": "path", "required": True},
            "certs": {"type": "list", "elements": "dict", "required": True},
            "days": {"type": "int", "default": 365}, "reissue": {"type": "bool", "default": False},
            "warning_days": {"type": "int", "default": 30}},
        supports_check_mode=True)
    try:
        module.exit_json(**converge(module))
    except ImportError:
        module.fail_json(msg="python3-cryptography is not installed on the CA host")
    except OSError as e:
        module.fail_json(msg=f"{e.filename}: {e.strerror}")


if __name__ == "__main__":
    main()
