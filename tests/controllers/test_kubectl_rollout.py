"""The real `kubectl` (v1.37) driving Deployments on a real cluster: API server, controller
manager, `kube scheduler` and simulated nodes. rollout status / history / undo / pause /
resume / restart, scale, describe (Events), cascading and orphan deletes, delete ns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.controllers.actions import DEPLOYMENT, NAMESPACE, POD, REPLICASET
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import Kubectl, real_cluster

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
  annotations:
    kubernetes.io/change-cause: first release
spec:
  replicas: 3
  selector: {{matchLabels: {{app: web}}}}
  strategy: {{rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: c, image: "img:1"}}]
"""


def manifest(namespace: str = "default") -> str:
    return MANIFEST.format(namespace=namespace)


async def live_pods(client: RestClient, namespace: str = "default") -> list[dict[str, Any]]:
    pods = (await client.list(POD, namespace, label_selector="app=web"))["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


async def images_of_sets(client: RestClient) -> dict[str, tuple[str, int]]:
    """ReplicaSet name -> (its template's image, its replicas)."""
    sets = (await client.list(REPLICASET, "default"))["items"]
    return {rs["metadata"]["name"]: (rs["spec"]["template"]["spec"]["containers"][0]["image"], rs["spec"]["replicas"])
            for rs in sets}


def history_rows(out: str) -> list[tuple[str, str]]:
    rows = [line.split(None, 1) for line in out.splitlines()[2:] if line.strip()]
    return [(r[0], r[1].strip() if len(r) > 1 else "") for r in rows]


async def current_image(kubectl: Kubectl) -> str:
    return await kubectl.ok("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")


async def test_rollout_history_undo_pause_restart_scale_and_cascading_delete(
        client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    kubectl = Kubectl(kubeconfig, tmp_path / "kube-cache")
    async with real_cluster(client, kubeconfig, tmp_path):
        await kubectl.ok("apply", "-f", "-", stdin=manifest())
        out = await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
        assert 'deployment "web" successfully rolled out' in out
        assert len([p for p in await live_pods(client) if p["status"].get("phase") == "Running"]) == 3

        # a new template, its change cause recorded: revision 2
        await kubectl.ok("set", "image", "deployment/web", "c=img:2")
        await kubectl.ok("annotate", "--overwrite", "deployment/web", "kubernetes.io/change-cause=move to img:2")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
        rows = history_rows(await kubectl.ok("rollout", "history", "deployment/web"))
        assert rows == [("1", "first release"), ("2", "move to img:2")]
        detail = await kubectl.ok("rollout", "history", "deployment/web", "--revision=1")
        assert "img:1" in detail and "img:2" not in detail

        # undo reuses revision 1's ReplicaSet (kubectl copies its template without the hash label)
        await kubectl.ok("rollout", "undo", "deployment/web")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
        assert await current_image(kubectl) == "img:1"
        sets = await images_of_sets(client)
        assert sorted(sets.values()) == [("img:1", 3), ("img:2", 0)]
        rows = history_rows(await kubectl.ok("rollout", "history", "deployment/web"))
        assert [r[0] for r in rows] == ["2", "3"] and rows[1][1] == "first release"
        await kubectl.ok("rollout", "undo", "deployment/web", "--to-revision=2")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
        assert await current_image(kubectl) == "img:2"
        assert len(await images_of_sets(client)) == 2

        # paused: a template change waits, rollout status reports progress and times out
        await kubectl.ok("rollout", "pause", "deployment/web")
        await kubectl.ok("set", "image", "deployment/web", "c=img:3")
        code, out, err = await kubectl.run("rollout", "status", "deployment/web", "--timeout=2s")
        assert code != 0 and 'Waiting for deployment "web" rollout to finish' in out
        assert "timed out" in err
        assert "img:3" not in {image for image, _ in (await images_of_sets(client)).values()}
        d = await client.get(DEPLOYMENT, "web", "default")
        progressing = next(c for c in d["status"]["conditions"] if c["type"] == "Progressing")
        assert progressing["reason"] == "DeploymentPaused"
        await kubectl.ok("rollout", "resume", "deployment/web")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
        assert {p["spec"]["containers"][0]["image"] for p in await live_pods(client)} == {"img:3"}

        # restart: a new ReplicaSet whose pods carry restartedAt
        await kubectl.ok("rollout", "restart", "deployment/web")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")

        async def restarted() -> bool:
            pods = await live_pods(client)
            return len(pods) == 3 and all("kubectl.kubernetes.io/restartedAt" in
                                          (p["metadata"].get("annotations") or {}) for p in pods)

        await eventually(restarted, timeout=30)

        # scale through /scale
        await kubectl.ok("scale", "deployment/web", "--replicas=5")
        assert "successfully rolled out" in await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
        assert json.loads(await kubectl.ok("get", "deployment", "web", "-o", "json"))["status"]["readyReplicas"] == 5

        # the controllers' Events, as kubectl describe shows them
        await eventually(lambda: _flushed(client), timeout=10)
        described = await kubectl.ok("describe", "deployment", "web")
        events = described.split("Events:", 1)[1]
        assert "ScalingReplicaSet" in events and "deployment-controller" in events
        assert "Scaled up replica set web-" in events
        current = next(name for name, (_, replicas) in (await images_of_sets(client)).items() if replicas == 5)
        rs_events = (await kubectl.ok("describe", "rs", current)).split("Events:", 1)[1]
        assert "SuccessfulCreate" in rs_events and "replicaset-controller" in rs_events

        # cascading delete: kubectl waits for the Deployment; its ReplicaSets and pods follow
        await kubectl.ok("delete", "deployment", "web", "--timeout=60s")

        async def all_gone() -> bool:
            return not (await client.list(REPLICASET, "default"))["items"] and not (
                await client.list(POD, "default", label_selector="app=web"))["items"]

        await eventually(all_gone, timeout=60, interval=0.2)


async def _flushed(client: RestClient) -> bool:
    """Some Event about the Deployment has been written (recording is asynchronous)."""
    from kube.controllers.events import EVENT

    events = (await client.list(EVENT, "default"))["items"]
    return any(e["involvedObject"].get("kind") == "Deployment" for e in events)


async def test_orphan_delete_keeps_pods_and_delete_namespace_completes(
        client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    kubectl = Kubectl(kubeconfig, tmp_path / "kube-cache")
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 2}):
        await kubectl.ok("apply", "-f", "-", stdin=manifest())
        await kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
        pods_before = {p["metadata"]["name"] for p in await live_pods(client)}
        await kubectl.ok("delete", "deployment", "web", "--cascade=orphan", "--timeout=60s")
        (rs,) = (await client.list(REPLICASET, "default"))["items"]

        async def released() -> bool:
            current = await client.get(REPLICASET, rs["metadata"]["name"], "default")
            return not current["metadata"].get("ownerReferences")

        await eventually(released, timeout=30)
        assert {p["metadata"]["name"] for p in await live_pods(client)} == pods_before

        # a template no node accepts: the progress deadline passes and rollout status says so
        stuck = manifest().replace("name: web\n", "name: stuck\n", 1).replace("app: web", "app: stuck").replace(
            "  replicas: 3\n", "  replicas: 1\n  progressDeadlineSeconds: 1\n").replace(
            "    spec:\n", "    spec:\n      nodeSelector: {disk: none-has-it}\n")
        await kubectl.ok("apply", "-f", "-", stdin=stuck)
        code, _, err = await kubectl.run("rollout", "status", "deployment/stuck", "--timeout=60s", timeout=90)
        assert code != 0 and 'deployment "stuck" exceeded its progress deadline' in err
        assert {p["metadata"]["name"] for p in await live_pods(client)} == pods_before  # the orphans stay

        namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\n"
        await kubectl.ok("apply", "-f", "-", stdin=namespace + manifest("team"))
        await kubectl.ok("rollout", "status", "deployment/web", "-n", "team", "--timeout=60s")
        assert len(await live_pods(client, "team")) == 3
        await kubectl.ok("delete", "namespace", "team", "--timeout=60s", timeout=90)
        try:
            await client.get(NAMESPACE, "team")
            raise AssertionError("namespace team still exists after kubectl delete returned")
        except ApiError as exc:
            assert exc.code == 404
        assert not (await client.list(POD, "team"))["items"]
