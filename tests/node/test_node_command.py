"""`kube node` as a process: a docker minion with its HTTPS log server, driven by the real
kubectl (logs, logs -f, --tail, -c; cordon; drain honouring a PodDisruptionBudget)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from kube.apiserver.auth.pki import PkiPaths, issue_serving_cert
from kube.client.rest import RestClient
from kube.node.containers_cleanup import remove_all_kube_containers
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.conftest import free_port
from tests.fixtures.requirements import require_docker
from tests.node.cluster import NODE, POD, assign_pod_cidrs, condition

KUBECTL = str(Path(sys.executable).parent / "kubectl")


def kubectl(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(config.parent / "cache"),
                           *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
async def minion(kubeconfig, pki_dir, tmp_path):  # noqa: F811
    require_docker()
    name = f"mn-{uuid.uuid4().hex[:6]}"
    cert, key = str(tmp_path / "node.crt"), str(tmp_path / "node.key")
    issue_serving_cert(PkiPaths.in_dir(str(pki_dir)), ["127.0.0.1"], cert, key, cn=f"system:node:{name}")
    root = tmp_path / "root"
    log = open(tmp_path / "node.log", "wb")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen([sys.executable, "-m", "kube", "node", "--runtime", "docker", "--kubeconfig",
                             str(kubeconfig), "--hostname-override", name, "--root-dir", str(root),
                             "--node-labels", "topology.kubernetes.io/zone=b,team=blue", "--port", str(free_port()),
                             "--tls-cert-file", cert, "--tls-private-key-file", key,
                             "--client-ca-file", str(pki_dir / "ca.crt")],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    client = RestClient.from_kubeconfig(str(kubeconfig))
    try:
        async def registered():
            assert proc.poll() is None, (tmp_path / "node.log").read_text()
            items = (await client.list(NODE))["items"]
            return [n for n in items if n["metadata"]["name"] == name]

        await eventually(registered, timeout=30)
        await assign_pod_cidrs(client, [name], base=int(uuid.uuid4().int % 100) + 100)
        yield client, name
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        remove_all_kube_containers(str(tmp_path))
        await client.close()


async def _running(client: RestClient, name: str) -> dict:
    async def check():
        p = await client.get(POD, name, "default")
        return p if p["status"].get("phase") == "Running" and condition(p, "Ready") == "True" else None
    return await eventually(check, timeout=40, interval=0.2)


async def test_kubectl_logs_through_the_api_server(minion, kubeconfig):  # noqa: F811
    client, name = minion
    node = await client.get(NODE, name)
    assert node["metadata"]["labels"]["topology.kubernetes.io/zone"] == "b"
    assert node["metadata"]["labels"]["team"] == "blue"
    assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] > 0
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("docker://")
    assert any("kube.local/busybox:1" in i["names"] for i in node["status"]["images"])
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "talker"},
            "spec": {"nodeName": name, "terminationGracePeriodSeconds": 1, "containers": [
                {"name": "a", "image": "kube.local/busybox:1", "command": ["/bin/sh", "-c",
                 "for i in 1 2 3 4 5; do echo line-$i; done; while :; do echo tick; sleep 0.3; done"]},
                {"name": "b", "image": "kube.local/busybox:1", "command": ["/bin/sh", "-c", "echo from-b; sleep 3600"]}]}}
    await client.create(POD, body, "default")
    await _running(client, "talker")
    await asyncio.sleep(1)
    out = await asyncio.to_thread(kubectl, kubeconfig, "logs", "talker", "-c", "a")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:5] == [f"line-{i}" for i in range(1, 6)]
    tail = await asyncio.to_thread(kubectl, kubeconfig, "logs", "talker", "-c", "b", "--tail=1")
    assert tail.stdout == "from-b\n"
    defaulted = await asyncio.to_thread(kubectl, kubeconfig, "logs", "talker")  # kubectl picks the first container
    assert defaulted.returncode == 0 and defaulted.stdout.startswith("line-1\n")
    wrong = await asyncio.to_thread(kubectl, kubeconfig, "logs", "talker", "-c", "zzz")
    assert wrong.returncode != 0 and "container zzz is not valid" in wrong.stderr
    follow = subprocess.Popen([KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(kubeconfig.parent / "c"),
                               "logs", "-f", "talker", "-c", "a", "--tail=1"], stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 20
        while len(lines) < 4 and time.monotonic() < deadline:
            line = await asyncio.to_thread(follow.stdout.readline)
            if line:
                lines.append(line.strip())
        assert lines == ["tick"] * 4  # new output keeps arriving while following
    finally:
        follow.kill()
        follow.wait()


async def test_kubectl_cordon_and_drain_with_a_pdb(minion, kubeconfig):  # noqa: F811
    client, name = minion
    for i in range(2):
        body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"guarded-{i}", "labels": {"app": "guarded"}},
                "spec": {"nodeName": name, "terminationGracePeriodSeconds": 1,
                         "containers": [{"name": "c", "image": "kube.local/busybox:1", "command": ["sleep", "3600"]}]}}
        await client.create(POD, body, "default")
    for i in range(2):
        await _running(client, f"guarded-{i}")
    out = await asyncio.to_thread(kubectl, kubeconfig, "cordon", name)
    assert out.returncode == 0, out.stderr
    assert (await client.get(NODE, name))["spec"]["unschedulable"] is True
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "guard"},
           "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "guarded"}}}}
    from kube.api.registry import resolve

    await client.create(resolve("poddisruptionbudgets"), pdb, "default")
    await asyncio.sleep(1.5)  # let the PDB's status settle where a controller computes it
    blocked = await asyncio.to_thread(kubectl, kubeconfig, "drain", name, "--force", "--timeout=5s",
                                      "--delete-emptydir-data", timeout=90)
    assert blocked.returncode != 0
    assert "disruption budget" in (blocked.stderr + blocked.stdout).lower()
    names = [p["metadata"]["name"] for p in (await client.list(POD, "default"))["items"]]
    assert sorted(names) == ["guarded-0", "guarded-1"]  # the budget held: nothing evicted
    await client.patch(resolve("poddisruptionbudgets"), "guard", {"spec": {"minAvailable": 0}}, "default")
    await asyncio.sleep(1.5)
    drained = await asyncio.to_thread(kubectl, kubeconfig, "drain", name, "--force", "--timeout=60s", timeout=120)
    assert drained.returncode == 0, drained.stderr

    async def empty():
        return not (await client.list(POD, "default"))["items"]

    await eventually(empty, timeout=30)
