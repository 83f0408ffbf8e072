"""The pki role's own modules (roles/pki/library), run as Ansible runs them: the module file
with its arguments file, in a fresh interpreter. Part of `make test` (no hosts needed)."""

from __future__ import annotations

import base64
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LIBRARY = Path(__file__).resolve().parents[2] / "roles" / "pki" / "library"
APISERVER = {"name": "apiserver", "cn": "kube-apiserver", "o": [], "usage": ["serverAuth"],
             "sans": ["IP:10.0.0.1", "IP:127.0.0.1", "DNS:kubernetes.default.svc"]}
NODE = {"name": "node", "cn": "system:node:m1", "o": ["system:nodes"], "usage": ["clientAuth"], "sans": []}


def module(name: str, tmp_path: Path, check: bool = False, **args) -> dict:
    spec = tmp_path / f"{name}-args.json"
    spec.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": check}}))
    proc = subprocess.run([sys.executable, str(LIBRARY / f"{name}.py"), str(spec)],
                          capture_output=True, text=True, timeout=60)
    out = json.loads(proc.stdout)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return out


def make_ca(directory: Path, name: str = "kube-ca") -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                                         serialization.NoEncryption()))
    (directory / "ca.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


@pytest.fixture
def ca(tmp_path: Path) -> dict:
    make_ca(tmp_path / "ca")
    return {"ca_cert": str(tmp_path / "ca" / "ca.crt"), "ca_key": str(tmp_path / "ca" / "ca.key"),
            "dir": str(tmp_path / "ca" / "issued" / "m1")}


def issue(tmp_path: Path, ca: dict, certs: list[dict], check: bool = False, **extra) -> dict:
    return module("kube_leaf_certs", tmp_path, check=check, certs=certs, **ca, **extra)


def load(ca: dict, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((Path(ca["dir"]) / f"{name}.crt").read_bytes())


def test_issues_each_certificate_once_as_asked(tmp_path: Path, ca: dict) -> None:
    first = issue(tmp_path, ca, [APISERVER, NODE])
    assert first["changed"] and not first.get("failed"), first
    d = Path(ca["dir"])
    assert d.stat().st_mode & 0o777 == 0o700
    assert (d / "apiserver.key").stat().st_mode & 0o777 == 0o600
    cert, node = load(ca, "apiserver"), load(ca, "node")
    authority = x509.load_pem_x509_certificate(Path(ca["ca_cert"]).read_bytes())
    authority.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["10.0.0.1", "127.0.0.1"]
    assert sans.get_values_for_type(x509.DNSName) == ["kubernetes.default.svc"]
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert node.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    assert node.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:m1"
    again = issue(tmp_path, ca, [APISERVER, NODE])
    assert again["changed"] is False and again["written"] == [], again
    assert load(ca, "apiserver").serial_number == cert.serial_number


def test_a_changed_name_re_signs_that_certificate_and_keeps_its_key(tmp_path: Path, ca: dict) -> None:
    issue(tmp_path, ca, [APISERVER, NODE])
    key = (Path(ca["dir"]) / "apiserver.key").read_bytes()
    node_serial = load(ca, "node").serial_number
    more = {**APISERVER, "sans": [*APISERVER["sans"], "IP:10.0.0.2"]}
    out = issue(tmp_path, ca, [more, NODE])
    assert out["written"] == [f"{ca['dir']}/apiserver.crt"], out
    assert (Path(ca["dir"]) / "apiserver.key").read_bytes() == key
    assert load(ca, "node").serial_number == node_serial


def test_a_certificate_from_another_ca_is_re_signed(tmp_path: Path, ca: dict) -> None:
    issue(tmp_path, ca, [NODE])
    make_ca(Path(ca["ca_cert"]).parent, name="kube-ca")  # same name, new key: the old signature fails
    out = issue(tmp_path, ca, [NODE])
    assert out["written"] == [f"{ca['dir']}/node.crt"], out


def test_reissue_makes_new_keys_and_certificates(tmp_path: Path, ca: dict) -> None:
    issue(tmp_path, ca, [APISERVER, NODE])
    keys = {n: (Path(ca["dir"]) / f"{n}.key").read_bytes() for n in ("apiserver", "node")}
    out = issue(tmp_path, ca, [APISERVER, NODE], reissue=True)
    assert len(out["written"]) == 4, out
    assert all((Path(ca["dir"]) / f"{n}.key").read_bytes() != k for n, k in keys.items())


def test_check_mode_writes_nothing_and_says_what_it_would(tmp_path: Path, ca: dict) -> None:
    out = issue(tmp_path, ca, [APISERVER], check=True)
    assert out["changed"] and f"{ca['dir']}/apiserver.crt" in out["written"], out
    assert not Path(ca["dir"]).exists()
    issue(tmp_path, ca, [APISERVER])
    (Path(ca["dir"]) / "apiserver.key").chmod(0o644)
    out = issue(tmp_path, ca, [APISERVER], check=True)
    assert out["written"] == [f"{ca['dir']}/apiserver.key"], out
    assert (Path(ca["dir"]) / "apiserver.key").stat().st_mode & 0o777 == 0o644


def test_expiry_is_reported_against_the_warning_window(tmp_path: Path, ca: dict) -> None:
    out = issue(tmp_path, ca, [NODE], days=365)
    (entry,) = out["certs"]
    assert entry["name"] == "node" and entry["soon"] is False, out
    assert entry["not_after"] == load(ca, "node").not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    wide = issue(tmp_path, ca, [NODE], warning_days=400, check=True)
    assert wide["certs"][0]["soon"] is True and wide["changed"] is False, wide


@pytest.mark.parametrize(("entry", "says"), [
    ({**NODE, "sans": ["URI:x"]}, "IP:<address> or DNS:<name>"),
    ({**NODE, "usage": ["codeSigning"]}, "unknown usage ['codeSigning']"),
    ({"name": "x", "usage": ["clientAuth"]}, "has no cn"),
])
def test_bad_entries_fail_with_one_message(tmp_path: Path, ca: dict, entry: dict, says: str) -> None:
    out = issue(tmp_path, ca, [entry])
    assert out["failed"] and says in out["msg"], out


def test_a_missing_ca_fails_clearly(tmp_path: Path, ca: dict) -> None:
    out = issue(tmp_path, {**ca, "ca_key": str(tmp_path / "nope.key")}, [NODE])
    assert out["failed"] and "nope.key" in out["msg"], out


def test_read_then_write_moves_files_and_only_what_differs(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.crt").write_text("cert")
    (src / "a.key").write_text("key")
    read = module("kube_read_files", tmp_path, paths=[str(src / "a.crt"), str(src / "a.key")])
    assert read["changed"] is False and [base64.b64decode(f["content"]) for f in read["files"]] == [b"cert", b"key"]
    dest = tmp_path / "dest"
    dest.mkdir()
    files = [{"dest": str(dest / Path(f["path"]).name), "content": f["content"],
              "mode": "0600" if f["path"].endswith(".key") else "0644"} for f in read["files"]]
    assert module("kube_write_files", tmp_path, check=True, files=files)["changed"]
    assert not list(dest.iterdir()), "check mode wrote"
    first = module("kube_write_files", tmp_path, files=files)
    assert first["written"] == [str(dest / "a.crt"), str(dest / "a.key")], first
    assert (dest / "a.key").stat().st_mode & 0o777 == 0o600 and (dest / "a.key").read_text() == "key"
    assert module("kube_write_files", tmp_path, files=files)["changed"] is False
    (dest / "a.key").chmod(0o644)
    assert module("kube_write_files", tmp_path, files=files)["written"] == [str(dest / "a.key")]
    assert (dest / "a.key").stat().st_mode & 0o777 == 0o600


def test_a_missing_file_to_read_fails_naming_it(tmp_path: Path) -> None:
    out = module("kube_read_files", tmp_path, paths=[str(tmp_path / "gone.crt")])
    assert out["failed"] and "gone.crt" in out["msg"], out


def test_a_bad_file_entry_fails_with_one_message(tmp_path: Path) -> None:
    out = module("kube_write_files", tmp_path, files=[{"dest": str(tmp_path / "x"), "content": "aGk="}])
    assert out["failed"] and "dest, base64 content and an octal mode" in out["msg"], out


def test_an_earlier_release_s_common_name_as_dns_name_is_kept(tmp_path: Path, ca: dict) -> None:
    """Earlier releases' certificates (community.crypto's openssl_csr) carry the common name
    as a DNS name when none was asked: upgrading the playbooks must not re-issue them all."""
    issue(tmp_path, ca, [NODE])
    d = Path(ca["dir"])
    key = serialization.load_pem_private_key((d / "node.key").read_bytes(), password=None)
    ca_key = serialization.load_pem_private_key(Path(ca["ca_key"]).read_bytes(), password=None)
    authority = x509.load_pem_x509_certificate(Path(ca["ca_cert"]).read_bytes())
    old = load(ca, "node")
    now = datetime.datetime.now(datetime.UTC)
    legacy = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(authority.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
              .add_extension(x509.SubjectAlternativeName([x509.DNSName(NODE["cn"])]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
              .sign(ca_key, hashes.SHA256()))
    (d / "node.crt").write_bytes(legacy.public_bytes(serialization.Encoding.PEM))
    assert issue(tmp_path, ca, [NODE])["written"] == []
    other = {**NODE, "cn": "system:node:m2"}  # a new common name: no longer what is asked
    assert issue(tmp_path, ca, [other])["written"] == [f"{ca['dir']}/node.crt"]
