"""Every CLI failure is one `error: ...` line and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from kube.apiserver.server import APIServer
from tests.cli.conftest import Kube


def kubeconfig_with(path: Path, server_url: str, token: str, insecure: bool) -> str:
    cluster = f"{{server: '{server_url}', insecure-skip-tls-verify: {str(insecure).lower()}}}"
    path.write_text(f"apiVersion: v1\nclusters: [{{name: c, cluster: {cluster}}}]\n"
                    f"users: [{{name: u, user: {{token: {token}}}}}]\n"
                    "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n")
    return str(path)


def one_error_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err


@pytest.mark.parametrize(("argv", "code", "text"), [
    (["get"], 2, "required"),
    (["apply"], 2, "-f/--filename"),
    (["get", "pods", "-o", "xml"], 2, "invalid choice"),
    (["get", "pods", "-l", "a in (b"], 1, "parse"),
    (["get", "pods", "--context", "nope"], 1, 'context "nope" not found'),
    (["delete", "-f", "/nonexistent/file.yaml"], 1, "does not exist"),
    (["label", "pod"], 1, "label update"),
])
async def test_usage_and_server_errors(kube: Kube, argv: list[str], code: int, text: str) -> None:
    result = await kube(*argv)
    assert result.code == code and one_error_line(result.err) and text in result.err


async def test_wrong_token_is_unauthorized(kube: Kube, server: APIServer, tmp_path: Path) -> None:
    config = kubeconfig_with(tmp_path / "kc", server.url, "wrong", insecure=True)
    result = await kube("get", "pods", "--kubeconfig", config, config=False)
    assert result.code == 1 and one_error_line(result.err) and "Unauthorized" in result.err


async def test_untrusted_server_certificate(kube: Kube, server: APIServer, tmp_path: Path) -> None:
    config = kubeconfig_with(tmp_path / "kc", server.url, "wrong", insecure=False)
    result = await kube("get", "pods", "--kubeconfig", config, config=False)
    assert result.code == 1 and one_error_line(result.err) and "certificate verify failed" in result.err
    assert server.url in result.err


async def test_invalid_object_reports_the_servers_status(kube: Kube, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: 5}\n")
    result = await kube("apply", "-f", str(tmp_path / "p.yaml"))
    assert result.code == 1 and one_error_line(result.err) and 'Pod "p" is invalid' in result.err
