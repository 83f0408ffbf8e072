"""The node's certificate pieces without a cluster: the rotation deadline (always within 70-90%
of the lifetime), the kubelet's file layout (0600 pairs, an atomically swapped relative
current symlink, a bad pair never current), the CSRs it makes (subject, key, SANs, signer,
usages), how a decided CSR reads (issued, Denied, Failed), the written kubeconfig, the flags."""

from __future__ import annotations

import argparse
import base64
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from kube.api.validation.names import dns1123_subdomain_problems
from kube.client.kubeconfig import ClientConfig, load_kubeconfig
from kube.component.errors import UsageError
from kube.node.certificate_bootstrap import write_kubeconfig
from kube.node.certificate_manager import CertificateRefused, issued
from kube.node.certificate_request import (
    CLIENT_SIGNER,
    CLIENT_USAGES,
    SERVING_SIGNER,
    SERVING_USAGES,
    bootstrap_csr_name,
    csr_object,
    new_key_pem,
    request_pem,
)
from kube.node.certificate_store import CertificateStore, parse_pair, rotation_deadline

START = datetime(2026, 1, 1, tzinfo=UTC)


def signed(key_pem: bytes, cn: str = "system:node:n1", seconds: int = 3600,
           not_before: datetime | None = None) -> bytes:
    """A certificate for the key (self-issued: the store does not check the chain)."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start = not_before or datetime.now(UTC) - timedelta(seconds=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(seconds=seconds)).sign(key, hashes.SHA256()))  # type: ignore[arg-type]
    return cert.public_bytes(serialization.Encoding.PEM)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10 * 365 * 86400),
       st.floats(min_value=0.0, max_value=1.0))
def test_the_rotation_deadline_is_always_between_70_and_90_percent_of_the_lifetime(
        offset: int, seconds: int, rand: float) -> None:
    not_before = START + timedelta(seconds=offset)
    not_after = not_before + timedelta(seconds=seconds)
    for deadline in (rotation_deadline(not_before, not_after, rand), rotation_deadline(not_before, not_after)):
        elapsed = (deadline - not_before).total_seconds()
        assert 0.7 * seconds - 1e-6 <= elapsed <= 0.9 * seconds + 1e-6


def test_the_deadline_is_jittered_across_the_whole_window() -> None:
    life = timedelta(hours=10)
    fractions = [(rotation_deadline(START, START + life) - START) / life for _ in range(2000)]
    assert min(fractions) < 0.72 and max(fractions) > 0.88


def test_a_pair_is_stored_0600_behind_a_relative_current_symlink_swapped_on_update(tmp_path: Path) -> None:
    store = CertificateStore(tmp_path / "pki", "kubelet-client")
    assert store.current() is None
    key1 = new_key_pem()
    first = store.update(signed(key1), key1, now=START)
    assert first.name == "kubelet-client-2026-01-01-00-00-00.pem"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert os.readlink(store.current_path) == first.name  # relative
    pair = store.current()
    assert pair is not None and pair.key_pem == key1.strip() + b"\n" and pair.valid()

    key2 = new_key_pem()
    second = store.update(signed(key2), key2, now=START)  # same second: a distinct file
    assert second != first and first.exists()
    assert os.readlink(store.current_path) == second.name
    assert store.current().key_pem.strip() == key2.strip()  # type: ignore[union-attr]
    assert sorted(p.name for p in (tmp_path / "pki").iterdir()) == sorted(
        [first.name, second.name, "kubelet-client-current.pem"])  # no staging file left behind


def test_a_pair_whose_key_does_not_match_never_becomes_current(tmp_path: Path) -> None:
    store = CertificateStore(tmp_path, "kubelet-client")
    good = new_key_pem()
    store.update(signed(good), good)
    with pytest.raises(ValueError, match="does not match"):
        store.update(signed(new_key_pem()), new_key_pem())
    with pytest.raises(ValueError):
        store.update(b"not a certificate", good)
    assert store.current().key_pem.strip() == good.strip()  # type: ignore[union-attr]
    assert len(list(tmp_path.glob("kubelet-client-2*.pem"))) == 1


def test_an_expired_pair_is_read_but_not_valid(tmp_path: Path) -> None:
    key = new_key_pem()
    pair = parse_pair(signed(key, seconds=60, not_before=START) + key)
    assert not pair.valid() and pair.not_after == START + timedelta(seconds=60)


def test_the_client_csr_is_the_kubelets() -> None:
    key = new_key_pem()
    body = csr_object(request_pem(key, "n1"), CLIENT_SIGNER, CLIENT_USAGES, expiration_seconds=600)
    assert body["apiVersion"] == "certificates.k8s.io/v1" and body["kind"] == "CertificateSigningRequest"
    assert body["metadata"] == {"generateName": "csr-"}
    assert body["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client-kubelet"
    assert body["spec"]["usages"] == ["digital signature", "client auth"]
    assert body["spec"]["expirationSeconds"] == 600
    csr = x509.load_pem_x509_csr(base64.b64decode(body["spec"]["request"]))
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:n1"
    public = csr.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
    with pytest.raises(x509.ExtensionNotFound):
        csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_the_serving_csr_names_the_node_and_its_addresses() -> None:
    body = csr_object(request_pem(new_key_pem(), "n1", ["n1", "host-a", "10.0.0.5", "n1"]), SERVING_SIGNER,
                      SERVING_USAGES)
    assert body["spec"]["signerName"] == "kubernetes.io/kubelet-serving"
    assert body["spec"]["usages"] == ["digital signature", "server auth"]
    csr = x509.load_pem_x509_csr(base64.b64decode(body["spec"]["request"]))
    sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["n1", "host-a"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]


def test_the_bootstrap_csr_name_follows_the_key() -> None:
    key = new_key_pem()
    name = bootstrap_csr_name(key, "n1", CLIENT_USAGES)
    assert name == bootstrap_csr_name(key, "n1", CLIENT_USAGES) != bootstrap_csr_name(new_key_pem(), "n1",
                                                                                          CLIENT_USAGES)
    assert name.startswith("node-csr-") and not dns1123_subdomain_problems(name)


def _csr(conditions: list[dict], certificate: bytes | None = None) -> dict:
    status: dict = {"conditions": conditions}
    if certificate:
        status["certificate"] = base64.b64encode(certificate).decode()
    return {"metadata": {"name": "csr-x"}, "status": status}


def test_a_decided_csr_reads_as_issued_denied_or_failed() -> None:
    approved = {"type": "Approved", "status": "True", "reason": "AutoApproved", "message": "ok"}
    assert issued(_csr([])) is None
    assert issued(_csr([approved])) is None  # approved, not signed yet
    assert issued(_csr([approved], b"PEM")) == b"PEM"
    with pytest.raises(CertificateRefused) as denied:
        issued(_csr([{"type": "Denied", "status": "True", "reason": "AutoDenied", "message": "not yours"}]))
    assert str(denied.value) == "certificate signing request csr-x was denied: AutoDenied: not yours"
    with pytest.raises(CertificateRefused, match="was failed: SignerValidationFailure: DNS or IP"):
        issued(_csr([approved, {"type": "Failed", "status": "True", "reason": "SignerValidationFailure",
                                "message": "DNS or IP subjectAltName is required"}]))


def test_the_written_kubeconfig_names_the_current_pair(tmp_path: Path) -> None:
    store = CertificateStore(tmp_path / "pki")
    key = new_key_pem()
    cert = signed(key)
    store.update(cert, key)
    path = tmp_path / "kubelet.conf"
    write_kubeconfig(path, ClientConfig(servers=["https://10.0.0.1:6443"], ca_data=b"CA PEM"), store.current_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = load_kubeconfig(path)
    assert config.server == "https://10.0.0.1:6443" and config.ca_data == b"CA PEM" and config.token is None
    assert cert.strip() in config.cert_data and key.strip() in config.key_data  # type: ignore[operator]


def _args(*argv: str) -> tuple[argparse.Namespace, dict]:
    from kube.node.command import _check, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["node", *argv])
    return args, _check(args)


def test_the_certificate_flags() -> None:
    args, _ = _args("--simulated", "--bootstrap-kubeconfig", "b.conf", "--kubeconfig", "k.conf")
    assert args.rotate_certificates is True  # on when bootstrapping
    args, _ = _args("--simulated", "--kubeconfig", "k.conf")
    assert args.rotate_certificates is False
    args, _ = _args("--simulated", "--bootstrap-kubeconfig", "b.conf", "--kubeconfig", "k", "--no-rotate-certificates")
    assert args.rotate_certificates is False
    with pytest.raises(UsageError, match="--bootstrap-kubeconfig needs --kubeconfig"):
        _args("--simulated", "--bootstrap-kubeconfig", "b.conf")
    with pytest.raises(UsageError, match="one node per process"):
        _args("--simulated", "--count", "3", "--bootstrap-kubeconfig", "b.conf", "--kubeconfig", "k.conf")


def test_the_client_switches_to_a_new_pair_and_refuses_a_bad_one() -> None:
    from kube.client.errors import ConfigError
    from kube.client.transport import Transport

    key = new_key_pem()
    transport = Transport(ClientConfig(servers=["https://10.0.0.1:6443"]))
    before = transport._ssl_context()
    transport.use_client_certificate(signed(key), key)
    after = transport._ssl_context()
    assert after is not before  # a new pool key: new connections present the new pair
    assert transport.config.key_data == key
    with pytest.raises(ConfigError, match="not valid PEM"):
        transport.use_client_certificate(b"junk", key)
    assert transport._ssl_context() is after and transport.config.key_data == key
