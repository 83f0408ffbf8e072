"""/version as strict clients read it, and eviction with several budgets (500, as Kubernetes)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kubernetes import client, config

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, Api, pod, write_kubeconfig

VERSION_FIELDS = {"major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion",
                  "compiler", "platform"}
PODS = "/api/v1/namespaces/default/pods"
PDBS = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"


async def test_version_and_version_slash_carry_every_field(api: Api) -> None:
    for path in ("/version", "/version/"):
        status, body = await api.get(path)
        assert status == 200 and VERSION_FIELDS <= set(body) and all(body[f] for f in VERSION_FIELDS), path


async def test_python_client_reads_the_version(server: APIServer, pki_dir: Path, tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kubeconfig", server.url, str(pki_dir / "ca.crt"), ADMIN_TOKEN)
    k8s = config.new_client_from_config(config_file=str(path))
    info = await asyncio.to_thread(client.VersionApi(k8s).get_code)  # the server runs on this loop
    assert info.major == "1" and info.git_version.startswith("v1.") and info.platform


async def test_eviction_under_two_budgets_is_a_500_and_keeps_the_pod(api: Api) -> None:
    await api.post(PODS, pod("guarded", {"app": "db"}, nodeName="n1"))
    running = {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
    assert (await api.patch(f"{PODS}/guarded/status", running))[0] == 200
    for name in ("a", "b"):
        pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
               "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "db"}}}}
        assert (await api.post(PDBS, pdb))[0] == 201
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "guarded"}}
    status, body = await api.post(f"{PODS}/guarded/eviction", eviction)
    assert status == 500 and body["kind"] == "Status" and "more than one PodDisruptionBudget" in body["message"]
    _, still = await api.get(f"{PODS}/guarded")
    assert not still["metadata"].get("deletionTimestamp")
