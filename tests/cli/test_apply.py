"""`kube apply` against the real API server: created -> unchanged -> configured, like kubectl."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.conftest import Kube
from tests.e2e.manifests import app

MANIFEST = app("shop", image="nginx:1.25", container="nginx", deployment_labels="app: web, tier: front")


def write(tmp_path: Path, text: str, name: str = "app.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


async def test_apply_created_unchanged_configured(kube: Kube, tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST)
    first = await kube("apply", "-f", path)
    assert first.code == 0, first.err
    assert first.lines == ["namespace/shop created", "configmap/settings created",
                           "deployment.apps/web created", "service/web created"]
    again = await kube("apply", "-f", path)
    assert again.code == 0 and again.lines == ["namespace/shop unchanged", "configmap/settings unchanged",
                                               "deployment.apps/web unchanged", "service/web unchanged"]
    changed = MANIFEST.replace("nginx:1.25", "nginx:1.26").replace("labels: {app: web, tier: front}",
                                                                   "labels: {app: web}")
    third = await kube("apply", "-f", write(tmp_path, changed))
    assert third.lines[2] == "deployment.apps/web configured"
    assert [line.split()[-1] for line in third.lines] == ["unchanged", "unchanged", "configured", "unchanged"]
    live = yaml.safe_load((await kube("get", "deployment", "web", "-n", "shop", "-o", "yaml")).out)
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert live["metadata"]["labels"] == {"app": "web"}  # the dropped label is gone
    assert (await kube("apply", "-f", write(tmp_path, changed))).lines[2] == "deployment.apps/web unchanged"


async def test_apply_keeps_fields_others_changed(kube: Kube, tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST)
    await kube("apply", "-f", path)
    assert (await kube("label", "deployment", "web", "-n", "shop", "owner=ops")).code == 0
    result = await kube("apply", "-f", path)
    assert result.lines[2] == "deployment.apps/web unchanged"
    labels = yaml.safe_load((await kube("get", "deploy/web", "-n", "shop", "-o", "yaml")).out)["metadata"]["labels"]
    assert labels["owner"] == "ops"


async def test_apply_directory_json_and_namespace_flag(kube: Kube, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}, "data": {}}',
          "cm.json")
    write(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n", "cm.yml")
    result = await kube("apply", "-f", str(tmp_path), "-n", "kube-public")
    assert result.code == 0 and sorted(result.lines) == ["configmap/j created", "configmap/y created"]
    listed = await kube("get", "configmaps", "-n", "kube-public", "-o", "name")
    assert sorted(listed.lines) == ["configmap/j", "configmap/y"]


async def test_server_side_apply(kube: Kube, tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST)
    result = await kube("apply", "--server-side", "-f", path)
    assert result.code == 0, result.err
    assert result.lines[2] == "deployment.apps/web serverside-applied"


async def test_apply_errors_are_one_line_each_and_others_still_apply(kube: Kube, tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Gizmo\nmetadata: {name: g}\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n"
            "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: []}\n")
    result = await kube("apply", "-f", write(tmp_path, text))
    assert result.code == 1 and result.lines == ["configmap/ok created"]
    errors = result.err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("error: ") for e in errors)
    assert 'no matches for kind "Gizmo" in version "v1"' in errors[0]
    assert "Bad_Name" in errors[1] and "Traceback" not in result.err


async def test_malformed_yaml_names_the_line(kube: Kube, tmp_path: Path) -> None:
    result = await kube("apply", "-f", write(tmp_path, "kind: Pod\nmetadata:\n  name: [oops\n  x: 1\n"))
    assert result.code == 1 and result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("error: error parsing") and "line" in result.err


async def test_kube_and_kubectl_apply_agree_on_last_applied(kube: Kube, tmp_path: Path, kubeconfig: Path) -> None:
    """The annotation is byte-compatible: kubectl sees kube's apply as unchanged and vice versa."""
    import asyncio
    import sys

    kubectl = str(Path(sys.executable).parent / "kubectl")

    async def kubectl_apply(path: str) -> list[str]:
        proc = await asyncio.create_subprocess_exec(
            kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache"), "apply", "-f", path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, out.decode()
        return out.decode().splitlines()

    first = write(tmp_path, MANIFEST)
    assert (await kube("apply", "-f", first)).code == 0
    assert all(line.endswith(" unchanged") for line in await kubectl_apply(first))
    second = write(tmp_path, MANIFEST.replace("nginx:1.25", "nginx:1.27"), "second.yaml")
    assert "deployment.apps/web configured" in await kubectl_apply(second)
    assert all(line.endswith(" unchanged") for line in (await kube("apply", "-f", second)).lines)
