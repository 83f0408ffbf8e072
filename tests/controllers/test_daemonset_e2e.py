"""The real kubectl (v1.37) and the official Python client driving DaemonSets and a
ReplicationController on a real cluster (API server, controller manager, `kube scheduler`,
simulated nodes): rolled out on every node, updated with maxSurge and undone (kubectl does
the undo itself from the ControllerRevisions), a node cordoned/uncordoned and relabelled;
an RC scaled; AppsV1Api DaemonSet CRUD."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config

from kube.client.rest import RestClient
from kube.controllers.actions import POD
from kube.controllers.daemonset.history import CONTROLLER_REVISION
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import Kubectl, real_cluster

MANIFEST = """
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  annotations: {kubernetes.io/change-cause: first release}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {agent: "yes"}
      containers: [{name: c, image: "img:1"}]
"""

RC = """
apiVersion: v1
kind: ReplicationController
metadata: {name: old}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: old}}
    spec:
      containers: [{name: c, image: "img:1"}]
"""


async def placed(client: RestClient, selector: str = "app=agent") -> dict[str, str]:
    """node -> image of its running daemon pod (one per node, or the test fails)."""
    pods = [p for p in (await client.list(POD, "default", label_selector=selector))["items"]
            if not p["metadata"].get("deletionTimestamp") and (p.get("status") or {}).get("phase") == "Running"]
    nodes = [p["spec"].get("nodeName", "") for p in pods]
    assert len(nodes) == len(set(nodes)), f"two daemon pods on one node: {nodes}"
    return {p["spec"]["nodeName"]: p["spec"]["containers"][0]["image"] for p in pods}


async def on_nodes(client: RestClient, expected: dict[str, str]) -> None:
    async def check() -> bool:
        return await placed(client) == expected

    await eventually(check, timeout=60, interval=0.2)


def rows(out: str) -> list[tuple[str, str]]:
    parsed = [line.split(None, 1) for line in out.splitlines()[2:] if line.strip()]
    return [(r[0], r[1].strip() if len(r) > 1 else "") for r in parsed]


async def test_kubectl_rollout_undo_cordon_relabel_and_rc_scale(client: RestClient, kubeconfig: Path,
                                                                tmp_path: Path) -> None:
    kubectl = Kubectl(kubeconfig, tmp_path / "kube-cache")
    async with real_cluster(client, kubeconfig, tmp_path):
        await kubectl.ok("label", "nodes", "--all", "agent=yes")
        code, _, err = await kubectl.run("apply", "-f", "-", stdin=MANIFEST.replace("{app: agent}}", "{app: x}}", 1))
        assert code != 0 and 'The DaemonSet "agent" is invalid: spec.template.metadata.labels: Invalid value' in err
        await kubectl.ok("apply", "-f", "-", stdin=MANIFEST)
        out = await kubectl.ok("rollout", "status", "daemonset/agent", "--timeout=60s")
        assert 'daemon set "agent" successfully rolled out' in out
        everywhere = {f"node-{i}": "img:1" for i in range(3)}
        assert await placed(client) == everywhere
        pod = (await client.list(POD, "default", label_selector="app=agent"))["items"][0]
        assert pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
            "nodeSelectorTerms"][0]["matchFields"][0]["values"] == [pod["spec"]["nodeName"]]
        assert pod["metadata"]["labels"]["pod-template-generation"] == "1"

        # a new template rolls out with surge: revision 2; kubectl's undo patches revision 1 back
        # (a revision copies the DaemonSet's annotations when it is made, so the cause goes first)
        await kubectl.ok("annotate", "--overwrite", "daemonset/agent", "kubernetes.io/change-cause=img:2")
        await kubectl.ok("set", "image", "daemonset/agent", "c=img:2")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "ds/agent", "--timeout=60s")
        await on_nodes(client, {n: "img:2" for n in everywhere})
        assert rows(await kubectl.ok("rollout", "history", "daemonset/agent")) == [("1", "first release"),
                                                                                    ("2", "img:2")]
        detail = await kubectl.ok("rollout", "history", "daemonset/agent", "--revision=1")
        assert "img:1" in detail and "img:2" not in detail
        assert "rolled back" in await kubectl.ok("rollout", "undo", "daemonset/agent")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "ds/agent", "--timeout=60s")
        await on_nodes(client, everywhere)
        assert [r[0] for r in rows(await kubectl.ok("rollout", "history", "daemonset/agent"))] == ["2", "3"]
        # kubectl compares the revision's bytes with its own patch of the live DaemonSet
        out = await kubectl.ok("rollout", "undo", "daemonset/agent", "--to-revision=3")
        assert "skipped rollback (current template already matches revision 3)" in out
        code, _, err = await kubectl.run("rollout", "undo", "daemonset/agent", "--to-revision=9")
        assert code != 0 and "unable to find specified revision 9 in history" in err
        revisions = (await client.list(CONTROLLER_REVISION, "default"))["items"]
        assert sorted(r["revision"] for r in revisions) == [2, 3]
        table = await kubectl.ok("get", "controllerrevisions")
        assert "daemonset.apps/agent" in table

        # cordoned: the pod stays, and a deleted one comes back (the unschedulable toleration)
        await kubectl.ok("cordon", "node-0")
        victim = next(p for p in (await client.list(POD, "default", label_selector="app=agent"))["items"]
                      if p["spec"].get("nodeName") == "node-0")
        await kubectl.ok("delete", "pod", victim["metadata"]["name"], "--wait=false")
        await on_nodes(client, everywhere)
        await kubectl.ok("uncordon", "node-0")
        # relabelled: the node loses its pod, and gets it back
        await kubectl.ok("label", "node", "node-2", "agent=no", "--overwrite")
        await on_nodes(client, {"node-0": "img:1", "node-1": "img:1"})
        ds = json.loads(await kubectl.ok("get", "ds", "agent", "-o", "json"))
        assert ds["status"]["desiredNumberScheduled"] == 2
        await kubectl.ok("label", "node", "node-2", "agent=yes", "--overwrite")
        await on_nodes(client, everywhere)
        got = await kubectl.ok("get", "ds", "agent")
        assert got.split("\n")[1].split()[:6] == ["agent", "3", "3", "3", "3", "3"]
        described = await kubectl.ok("describe", "ds", "agent")
        assert "Desired Number of Nodes Scheduled: 3" in described
        assert "Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed" in described
        await eventually(lambda: _events_recorded(kubectl), timeout=30, interval=0.5)
        await kubectl.ok("rollout", "restart", "daemonset/agent")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "ds/agent", "--timeout=60s")

        async def restarted() -> bool:
            pods = await placed_any(client, "app=agent")
            return len(pods) == 3 and all("kubectl.kubernetes.io/restartedAt" in (p["metadata"].get("annotations")
                                                                                  or {}) for p in pods)

        await eventually(restarted, timeout=60, interval=0.2)

        # an old-style ReplicationController, scaled by kubectl through /scale
        await kubectl.ok("apply", "-f", "-", stdin=RC)
        await kubectl.ok("scale", "rc", "old", "--replicas=4")

        async def four() -> bool:
            return len(await placed_any(client, "app=old")) == 4

        await eventually(four, timeout=60, interval=0.2)
        rc = json.loads(await kubectl.ok("get", "rc", "old", "-o", "json"))
        assert rc["spec"]["replicas"] == 4
        await eventually(lambda: _rc_ready(kubectl), timeout=30, interval=0.2)


async def placed_any(client: RestClient, selector: str) -> list[dict[str, Any]]:
    return [p for p in (await client.list(POD, "default", label_selector=selector))["items"]
            if not p["metadata"].get("deletionTimestamp") and (p.get("status") or {}).get("phase") == "Running"]


async def _events_recorded(kubectl: Kubectl) -> bool:
    events = (await kubectl.ok("describe", "ds", "agent")).split("Events:", 1)[1]
    return "SuccessfulCreate" in events and "daemonset-controller" in events and "SuccessfulDelete" in events


async def _rc_ready(kubectl: Kubectl) -> bool:
    rc = json.loads(await kubectl.ok("get", "rc", "old", "-o", "json"))
    return rc["status"].get("readyReplicas") == 4


def _python_client_crud(kubeconfig: Path) -> None:
    api = k8s.AppsV1Api(k8s_config.new_client_from_config(config_file=str(kubeconfig)))
    body = k8s.V1DaemonSet(
        metadata=k8s.V1ObjectMeta(name="py"),
        spec=k8s.V1DaemonSetSpec(
            selector=k8s.V1LabelSelector(match_labels={"app": "py"}),
            template=k8s.V1PodTemplateSpec(metadata=k8s.V1ObjectMeta(labels={"app": "py"}), spec=k8s.V1PodSpec(
                containers=[k8s.V1Container(name="c", image="img:1")]))))
    created = api.create_namespaced_daemon_set("default", body)
    assert created.spec.update_strategy.type == "RollingUpdate"
    assert created.spec.update_strategy.rolling_update.max_unavailable == 1
    assert [d.metadata.name for d in api.list_namespaced_daemon_set("default").items] == ["py"]
    patched = api.patch_namespaced_daemon_set("py", "default", {"metadata": {"labels": {"team": "a"}}})
    assert patched.metadata.labels == {"team": "a"}
    patched.spec.template.spec.containers[0].image = "img:2"
    replaced = api.replace_namespaced_daemon_set("py", "default", patched)
    assert replaced.metadata.generation == 2
    status = api.read_namespaced_daemon_set_status("py", "default")
    assert status.status.desired_number_scheduled >= 0
    bad = k8s.V1DaemonSet(metadata=k8s.V1ObjectMeta(name="bad"), spec=body.spec)
    bad.spec.selector = k8s.V1LabelSelector(match_labels={"app": "other"})
    try:
        api.create_namespaced_daemon_set("default", bad)
        raise AssertionError("a selector not matching the template was accepted")
    except k8s.ApiException as exc:
        assert exc.status == 422 and "spec.template.metadata.labels" in exc.body
    api.delete_namespaced_daemon_set("py", "default")
    try:
        api.read_namespaced_daemon_set("py", "default")
        raise AssertionError("deleted DaemonSet still readable")
    except k8s.ApiException as exc:
        assert exc.status == 404


async def test_python_client_daemonset_crud(kubeconfig: Path) -> None:
    await asyncio.to_thread(_python_client_crud, kubeconfig)
