"""`kube get` against the real API server: kubectl's tables, -o formats, selectors, -A, -w."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import yaml

from tests.cli.conftest import Kube

PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: alpha, labels: {app: a}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: beta-longer-name, labels: {app: b}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: gamma, namespace: kube-public}
spec: {containers: [{name: c, image: busybox}]}
"""


async def seed(kube: Kube, tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(PODS)
    result = await kube("apply", "-f", str(tmp_path / "pods.yaml"))
    assert result.code == 0, result.err


async def test_default_table_has_kubectls_columns_aligned(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    result = await kube("get", "pods")
    assert result.code == 0, result.err
    header, *rows = result.lines
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [r.split()[0] for r in rows] == ["alpha", "beta-longer-name"]
    assert header.index("READY") == len("beta-longer-name") + 3  # padded by three after the widest name
    assert all(r[header.index("READY")] != " " for r in rows)


async def test_wide_and_all_namespaces(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    wide = await kube("get", "pods", "-o", "wide")
    assert wide.lines[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    everywhere = await kube("get", "po", "-A")
    assert everywhere.lines[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert sorted((r.split()[0], r.split()[1]) for r in everywhere.lines[1:]) == [
        ("default", "alpha"), ("default", "beta-longer-name"), ("kube-public", "gamma")]


async def test_selectors_and_names(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    assert [r.split()[0] for r in (await kube("get", "pods", "-l", "app=b")).lines[1:]] == ["beta-longer-name"]
    by_field = await kube("get", "pods", "--field-selector", "metadata.name=alpha", "-o", "name")
    assert by_field.lines == ["pod/alpha"]
    named = await kube("get", "pod", "alpha", "missing")
    assert named.code == 1 and [r.split()[0] for r in named.lines[1:]] == ["alpha"]
    assert named.err.strip() == 'error: pods "missing" not found'


async def test_yaml_json_name_outputs(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    one = yaml.safe_load((await kube("get", "pod", "alpha", "-o", "yaml")).out)
    assert one["kind"] == "Pod" and one["apiVersion"] == "v1" and one["metadata"]["name"] == "alpha"
    many = json.loads((await kube("get", "pods", "-o", "json")).out)
    assert many["kind"] == "List" and {i["kind"] for i in many["items"]} == {"Pod"} and len(many["items"]) == 2
    names = await kube("get", "pods,namespaces", "-o", "name")
    assert "pod/alpha" in names.lines and "namespace/default" in names.lines


async def test_several_kinds_print_prefixed_tables(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    result = await kube("get", "pods,ns")
    assert "pod/alpha" in result.out and "namespace/default" in result.out and "" in result.lines


async def test_empty_and_errors(kube: Kube) -> None:
    empty = await kube("get", "deployments", "-n", "kube-public")
    assert empty.code == 0 and empty.out == "" and empty.err.strip() == "No resources found in kube-public namespace."
    unknown = await kube("get", "gizmos")
    assert unknown.code == 1 and unknown.err.strip() == 'error: the server doesn\'t have a resource type "gizmos"'


async def test_connection_refused_names_the_server(kube: Kube, tmp_path: Path) -> None:
    result = await kube("get", "pods", "--api-servers", "https://127.0.0.1:9")
    assert result.code == 1 and result.err.count("\n") == 1
    assert "https://127.0.0.1:9" in result.err and "refused" in result.err.lower()


async def test_api_servers_fail_over_to_a_live_one(kube: Kube, server) -> None:  # type: ignore[no-untyped-def]
    result = await kube("get", "ns", "--api-servers", f"https://127.0.0.1:9,{server.url}")
    assert result.code == 0 and "default" in result.out


async def test_watch_prints_new_rows(kube: Kube, kubeconfig: Path, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kube", "get", "pods", "-w", "--kubeconfig", str(kubeconfig),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 30)).decode() for _ in range(3)]
        assert lines[0].split()[0] == "NAME" and lines[1].startswith("alpha")
        result = await kube("label", "pod", "alpha", "seen=yes")
        assert result.code == 0
        row = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert row.split()[0] == "alpha" and len(row.split()) == 5
    finally:
        proc.terminate()
        await proc.wait()
