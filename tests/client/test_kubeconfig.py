"""Kubeconfig loading: contexts, *-data vs file paths, tokens, KUBECONFIG merging, clear errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from kube.client.errors import ConfigError
from kube.client.kubeconfig import default_paths, load_kubeconfig


def config_doc(server: str = "https://127.0.0.1:6443", **user: object) -> dict[str, object]:
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "main",
        "clusters": [{"name": "c1", "cluster": {"server": server,
                                                 "certificate-authority-data": base64.b64encode(b"CA").decode()}}],
        "users": [{"name": "u1", "user": user or {"token": "tok"}}],
        "contexts": [{"name": "main", "context": {"cluster": "c1", "user": "u1", "namespace": "team"}},
                     {"name": "other", "context": {"cluster": "c1", "user": "u1"}}],
    }


def write(path: Path, doc: object) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


def test_current_context_gives_server_ca_token_and_namespace(tmp_path: Path) -> None:
    cfg = load_kubeconfig(write(tmp_path / "k", config_doc()))
    assert cfg.servers == ["https://127.0.0.1:6443"]
    assert cfg.ca_data == b"CA" and cfg.token == "tok" and cfg.namespace == "team"
    assert cfg.context == "main" and not cfg.insecure


def test_explicit_context_and_default_namespace(tmp_path: Path) -> None:
    cfg = load_kubeconfig(write(tmp_path / "k", config_doc()), context="other")
    assert cfg.context == "other" and cfg.namespace == "default"


def test_file_paths_are_relative_to_the_kubeconfig(tmp_path: Path) -> None:
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "ca.crt").write_bytes(b"CA-FILE")
    (tmp_path / "pki" / "c.crt").write_bytes(b"CERT")
    (tmp_path / "pki" / "c.key").write_bytes(b"KEY")
    (tmp_path / "tok").write_text("file-token\n")
    doc = config_doc(**{"client-certificate": "pki/c.crt", "client-key": "pki/c.key", "tokenFile": "tok"})
    doc["clusters"][0]["cluster"] = {"server": "https://x:1/", "certificate-authority": "pki/ca.crt"}  # type: ignore[index]
    cfg = load_kubeconfig(write(tmp_path / "k", doc))
    assert (cfg.ca_data, cfg.cert_data, cfg.key_data, cfg.token) == (b"CA-FILE", b"CERT", b"KEY", "file-token")
    assert cfg.servers == ["https://x:1"]


def test_insecure_skip_tls_verify(tmp_path: Path) -> None:
    doc = config_doc()
    doc["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True  # type: ignore[index]
    assert load_kubeconfig(write(tmp_path / "k", doc)).insecure


def test_kubeconfig_env_list_first_file_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write(tmp_path / "a", {"current-context": "main", "clusters": [], "users": [], "contexts": []})
    second = write(tmp_path / "b", {**config_doc("https://second:1"), "current-context": "other"})
    third = write(tmp_path / "c", config_doc("https://third:1"))
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}:{third}")
    cfg = load_kubeconfig()
    # current-context from the first file that sets it; cluster c1 from the first file that defines it
    assert cfg.context == "main" and cfg.servers == ["https://second:1"]


def test_default_paths_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_paths() == [tmp_path / "home" / ".kube" / "config"]
    (tmp_path / ".cluster").mkdir()
    (tmp_path / ".cluster" / "kubeconfig").write_text("{}")
    assert default_paths() == [Path(".cluster/kubeconfig")]
    monkeypatch.setenv("KUBECONFIG", "/x:/y")
    assert default_paths() == [Path("/x"), Path("/y")]
    assert default_paths("/explicit") == [Path("/explicit")]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update({"current-context": "nope"}), 'context "nope" not found'),
    (lambda d: d["contexts"][0]["context"].update(cluster="zz"), 'cluster "zz"'),
    (lambda d: d["contexts"][0]["context"].update(user="zz"), 'user "zz"'),
    (lambda d: d["clusters"][0]["cluster"].pop("server"), "has no server"),
    (lambda d: d["users"][0].update(user={"client-certificate-data": "Q0VSVA=="}), "go together"),
])
def test_broken_kubeconfig_gives_a_clear_error(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = config_doc()
    mutate(doc)
    with pytest.raises(ConfigError, match=message):
        load_kubeconfig(write(tmp_path / "k", doc))


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text("clusters:\n  - name: a\n   bad: [\n")
    with pytest.raises(ConfigError, match=r"line \d+"):
        load_kubeconfig(path)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_kubeconfig(tmp_path / "none")


def test_one_file_reader_for_every_kubeconfig_user(tmp_path: Path) -> None:
    """read_kubeconfig_file is also what the API server's tools read kubeconfigs with."""
    from kube.client.kubeconfig import read_kubeconfig_file

    (tmp_path / "empty").write_text("")
    assert read_kubeconfig_file(tmp_path / "empty") == {}
    assert read_kubeconfig_file(tmp_path / "absent", required=False) == {}
    with pytest.raises(ConfigError, match="cannot read kubeconfig .*absent: not found"):
        read_kubeconfig_file(tmp_path / "absent")
    (tmp_path / "list").write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a Config mapping"):
        read_kubeconfig_file(tmp_path / "list")
    assert read_kubeconfig_file(write(tmp_path / "k", config_doc()))["current-context"] == "main"
