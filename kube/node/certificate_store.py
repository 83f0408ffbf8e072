"""Where the node's rotated certificates live, as the kubelet's FileStore keeps them: each pair
(certificate and key in one PEM, mode 0600) is `<root>/pki/<prefix>-<timestamp>.pem`, and
`<prefix>-current.pem` is a relative symlink to the one in use. The symlink is swapped with a
rename, so a reader (a restarted agent, the kubeconfig naming it) never sees a missing file.
Also when a certificate is due for renewal: the kubelet's jittered 70-90% of its lifetime.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

CLIENT_PREFIX = "kubelet-client"
SERVER_PREFIX = "kubelet-server"


@dataclass(frozen=True)
class Pair:
    """A certificate with its key, as PEM, and its lifetime."""

    cert_pem: bytes
    key_pem: bytes
    cert: x509.Certificate

    @property
    def not_before(self) -> datetime:
        return self.cert.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.cert.not_valid_after_utc

    def valid(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.not_before <= now < self.not_after


def parse_pair(pem: bytes) -> Pair:
    """A `<prefix>-*.pem` file's content: certificate(s) then the private key (ValueError when not)."""
    certs = x509.load_pem_x509_certificates(pem)
    start = pem.find(b"-----BEGIN", pem.rfind(b"-----END CERTIFICATE-----"))
    if start < 0:
        raise ValueError("no private key after the certificate")
    key = serialization.load_pem_private_key(pem[start:], password=None)
    if key.public_key().public_numbers() != certs[0].public_key().public_numbers():  # type: ignore[union-attr]
        raise ValueError("the private key does not match the certificate")
    cert_pem = pem[:start].strip() + b"\n"
    return Pair(cert_pem, pem[start:].strip() + b"\n", certs[0])


def rotation_deadline(not_before: datetime, not_after: datetime, rand: float | None = None) -> datetime:
    """When to renew: notBefore + a uniformly random 70%..90% of the lifetime (the kubelet's
    certificate manager: wait.Jitter(total, 0.2) - 0.3*total)."""
    fraction = 0.7 + 0.2 * (random.random() if rand is None else rand)
    return not_before + (not_after - not_before) * fraction


class CertificateStore:
    """One prefix's pairs in `<root>/pki`."""

    def __init__(self, directory: str | os.PathLike[str], prefix: str = CLIENT_PREFIX) -> None:
        self.directory = Path(directory)
        self.prefix = prefix

    @property
    def current_path(self) -> Path:
        return self.directory / f"{self.prefix}-current.pem"

    def current(self) -> Pair | None:
        """The pair in use, or None when there is none (or it is unreadable: bootstrap again)."""
        try:
            return parse_pair(self.current_path.read_bytes())
        except (OSError, ValueError):
            return None

    def update(self, cert_pem: bytes, key_pem: bytes, now: datetime | None = None) -> Path:
        """Write a new pair and make it current; returns its file."""
        pair = parse_pair(cert_pem.strip() + b"\n" + key_pem)  # a bad pair never becomes current
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d-%H-%M-%S")
        path = self.directory / f"{self.prefix}-{stamp}.pem"
        n = 0
        while path.exists():  # two rotations within a second
            n += 1
            path = self.directory / f"{self.prefix}-{stamp}-{n}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pair.cert_pem + pair.key_pem)
            handle.flush()
            os.fsync(handle.fileno())
        staging = self.directory / f".{self.prefix}-current.pem.tmp"
        staging.unlink(missing_ok=True)
        os.symlink(path.name, staging)  # relative, as the kubelet's: the directory may move
        os.replace(staging, self.current_path)
        return path
