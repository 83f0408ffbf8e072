"""ServiceAccount key files: every PEM form Kubernetes accepts, rotation, EC keys, the key id,
bad files as one-line startup errors, and the flags of `kube apiserver`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kube.apiserver.auth.serviceaccount_tokens import (
    KeyFileError,
    claims_for,
    ensure_signing_key,
    from_flags,
    key_id,
    load_public_keys,
)

SA = {"metadata": {"name": "robot", "uid": "u-1"}}
ISSUER = "https://kubernetes.default.svc.cluster.local"


def test_signing_key_made_once_private_and_verifies(tmp_path: Path) -> None:
    key, pub = tmp_path / "sa.key", tmp_path / "sa.pub"
    ensure_signing_key(str(key), str(pub))
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    before = key.read_bytes()
    ensure_signing_key(str(key), str(pub))
    assert key.read_bytes() == before
    tokens = from_flags(str(key), [str(pub)], "", [])
    assert tokens is not None and tokens.signer is not None and tokens.issuer == ISSUER
    token = tokens.signer.sign(claims_for(ISSUER, [ISSUER], "default", SA, 600))
    user = tokens.authenticate(token)
    assert user is not None and user.name == "system:serviceaccount:default:robot"
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:default")
    assert len(tokens.jwks()["keys"]) == 1  # the same key twice is one key


def test_rotation_old_key_verifies_only(tmp_path: Path) -> None:
    ensure_signing_key(str(tmp_path / "old.key"), str(tmp_path / "old.pub"))
    ensure_signing_key(str(tmp_path / "new.key"), str(tmp_path / "new.pub"))
    old = from_flags(str(tmp_path / "old.key"), [], ISSUER, [])
    assert old is not None and old.signer is not None
    token = old.signer.sign(claims_for(ISSUER, [ISSUER], "default", SA, 600))
    rotated = from_flags(str(tmp_path / "new.key"), [str(tmp_path / "old.pub")], ISSUER, [])
    dropped = from_flags(str(tmp_path / "new.key"), [], ISSUER, [])
    assert rotated is not None and rotated.authenticate(token) is not None
    assert dropped is not None and dropped.authenticate(token) is None
    verify_only = from_flags("", [str(tmp_path / "old.pub")], ISSUER, [])
    assert verify_only is not None and verify_only.signer is None and verify_only.authenticate(token) is not None


def test_ec_key_and_certificate_forms(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "ec.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.TraditionalOpenSSL,
                                                        serialization.NoEncryption()))
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "sa")])
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "both.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM)
                                        + key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
    keys = load_public_keys(str(tmp_path / "both.pem"))
    assert len(keys) == 2 and {key_id(k) for k in keys} == {key_id(key.public_key())}
    tokens = from_flags(str(tmp_path / "ec.key"), [], ISSUER, ["api"])
    assert tokens is not None and tokens.signer is not None
    token = tokens.signer.sign(claims_for(ISSUER, ["api"], "default", SA, 600))
    assert tokens.authenticate(token) is not None
    assert tokens.jwks()["keys"][0]["alg"] == "ES256" and tokens.jwks()["keys"][0]["kty"] == "EC"
    wrong_aud = tokens.signer.sign(claims_for(ISSUER, [ISSUER], "default", SA, 600))
    assert tokens.authenticate(wrong_aud) is None  # --api-audiences=api: the issuer is not one of them


@pytest.mark.parametrize(("content", "words"), [(b"", "no RSA or EC key"), (b"garbage", "no RSA or EC key"),
                                                (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                                 "unreadable PEM block")])
def test_bad_key_files(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    with pytest.raises(KeyFileError, match=words):
        load_public_keys(str(path))
    with pytest.raises(KeyFileError, match="not a PEM private key"):
        from_flags(str(path), [], ISSUER, [])
    with pytest.raises(KeyFileError, match="cannot read"):
        from_flags("", [str(tmp_path / "missing.pub")], ISSUER, [])
    assert from_flags("", [], ISSUER, []) is None


def test_apiserver_refuses_an_unreadable_key_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{tmp_path / 's.db'}",
                           "--bind-address", "127.0.0.1", "--secure-port", "1", "--cert-dir", str(tmp_path),
                           "--service-account-key-file", str(tmp_path / "nope.pub")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "nope.pub" in done.stderr and "Traceback" not in done.stderr, done.stderr
