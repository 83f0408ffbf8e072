"""`kube certs`: writes the PKI, client certificates and kubeconfigs; bad use is one clear line."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from kube.apiserver.auth.kubeconfig import load_kubeconfig
from kube.cli.main import main


def test_certs_writes_pki_then_a_node_client_with_kubeconfig(tmp_path, capsys) -> None:
    d = str(tmp_path / "pki")
    assert main(["certs", "--cert-dir", d, "--hosts", "10.0.0.5,master1"]) == 0
    out = capsys.readouterr().out
    assert f"{d}/ca.crt" in out and f"{d}/apiserver.key" in out and f"{d}/admin.crt" in out
    ca = open(f"{d}/ca.crt", "rb").read()

    conf = str(tmp_path / "node.conf")
    assert main(["certs", "--cert-dir", d, "--client", "system:node:n1", "--groups", "system:nodes",
                 "--kubeconfig", conf, "--server", "https://10.0.0.5:6443"]) == 0
    assert open(f"{d}/ca.crt", "rb").read() == ca
    cert = x509.load_pem_x509_certificate(open(f"{d}/system-node-n1.crt", "rb").read())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:n1"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    entry = load_kubeconfig(conf)
    assert entry.server == "https://10.0.0.5:6443" and entry.ca_data == ca
    assert entry.cert_data == open(f"{d}/system-node-n1.crt", "rb").read()


def test_certs_serving_cert_for_a_node_agent(tmp_path, capsys) -> None:
    d = str(tmp_path)
    assert main(["certs", "--cert-dir", d, "--serving", "n1-serving", "--hosts", "192.0.2.9"]) == 0
    cert = x509.load_pem_x509_certificate(open(f"{d}/n1-serving.crt", "rb").read())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "192.0.2.9" in {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}


def test_certs_usage_errors_are_one_line(tmp_path, capsys) -> None:
    assert main(["certs", "--cert-dir", str(tmp_path), "--groups", "g"]) == 1
    assert capsys.readouterr().err == "error: --groups needs --client NAME\n"
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["certs", "--cert-dir", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write certificates") and err.count("\n") == 1
