"""The Node authorizer and NodeRestriction: a node's credentials serve only its own pods.

Also: each component's bootstrap role (the scheduler reads no Secrets) and the Python client's
view of a 403.
"""

from __future__ import annotations

import json
from typing import Any

from tests.apiserver.conftest import eventually
from tests.apiserver.rbac.conftest import Cluster

NS = "/api/v1/namespaces/default"


def _pod(name: str, node: str, secret: str, config: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "kube.local/busybox:1",
                                                        "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {
                                                            "name": config, "key": "k"}}}]}],
                     "volumes": [{"name": "s", "secret": {"secretName": secret}}]}}


async def _objects(rbac: Cluster) -> None:
    async with rbac.api() as admin:
        for name in ("s1", "s2"):
            assert (await admin.post(f"{NS}/secrets", {"metadata": {"name": name}, "stringData": {"k": "v"}}))[0] == 201
        for name in ("c1", "c2"):
            assert (await admin.post(f"{NS}/configmaps", {"metadata": {"name": name}, "data": {"k": "v"}}))[0] == 201
        assert (await admin.post(f"{NS}/pods", _pod("p1", "n1", "s1", "c1")))[0] == 201
        assert (await admin.post(f"{NS}/pods", _pod("p2", "n2", "s2", "c2")))[0] == 201
        for node in ("n1", "n2"):
            assert (await admin.post("/api/v1/nodes", {"metadata": {"name": node}}))[0] == 201


async def test_a_node_reads_only_its_own_pods_secrets_and_configmaps(rbac: Cluster) -> None:
    await _objects(rbac)
    async with rbac.api("system:node:n1") as node:
        assert (await node.get(f"{NS}/secrets/s1"))[0] == 200
        assert (await node.get(f"{NS}/configmaps/c1"))[0] == 200
        status, body = await node.get(f"{NS}/secrets/s2")
        assert status == 403
        assert body["message"] == ('secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in '
                                   'API group "" in the namespace "default": no relationship found between node '
                                   "'n1' and this object")
        assert (await node.get(f"{NS}/configmaps/c2"))[0] == 403
        assert (await node.get(f"{NS}/serviceaccounts/default"))[0] in (200, 404)  # its pods' account: allowed
        assert (await node.get("/api/v1/namespaces/kube-system/serviceaccounts/default"))[0] == 403
        assert (await node.get(f"{NS}/secrets"))[0] == 403  # no listing of Secrets at all
        assert (await node.get("/apis/apps/v1/deployments"))[0] == 403
        assert (await node.get(f"{NS}/pods"))[0] == 200  # pods and nodes: read, as the kubelet does
        assert (await node.get("/api/v1/nodes/n2"))[0] == 200

        async with rbac.api() as admin:
            assert (await admin.delete(f"{NS}/pods/p1?gracePeriodSeconds=0"))[0] == 200

        async def refused() -> bool:
            return (await node.get(f"{NS}/secrets/s1"))[0] == 403
        await eventually(refused)  # its pod is gone: so is the node's access


async def test_a_node_writes_only_its_own_node_lease_and_pods(rbac: Cluster) -> None:
    await _objects(rbac)
    async with rbac.api("system:node:n1") as node:
        assert (await node.patch("/api/v1/nodes/n1", {"metadata": {"labels": {"zone": "a"}}}))[0] == 200
        status, body = await node.patch("/api/v1/nodes/n2", {"metadata": {"labels": {"zone": "a"}}})
        assert status == 403 and 'cannot patch resource "nodes"' in body["message"]
        assert "node 'n1' cannot modify node 'n2'" in body["message"]
        assert (await node.delete("/api/v1/nodes/n2"))[0] == 403
        status, body = await node.post("/api/v1/nodes", {"metadata": {"name": "n3"}})
        assert status == 403 and 'node "n1" is not allowed to modify node "n3"' in body["message"]
        status, body = await node.patch("/api/v1/nodes/n1", {"metadata": {"labels": {
            "node-restriction.kubernetes.io/dedicated": "yes"}}})
        assert status == 403 and "is not allowed to modify labels: node-restriction.kubernetes.io/dedicated" \
            in body["message"]

        lease = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
        assert (await node.post(lease, {"metadata": {"name": "n1"}, "spec": {"holderIdentity": "n1"}}))[0] == 201
        assert (await node.put(f"{lease}/n1", {"metadata": {"name": "n1"},
                                               "spec": {"holderIdentity": "n1", "leaseDurationSeconds": 40}}))[0] == 200
        async with rbac.api() as admin:
            assert (await admin.post(lease, {"metadata": {"name": "n2"}, "spec": {"holderIdentity": "n2"}}))[0] == 201
        status, body = await node.get(f"{lease}/n2")
        assert status == 403 and "can only access node lease with the same name as the requesting node" \
            in body["message"]

        status_patch = {"status": {"phase": "Running"}}
        assert (await node.patch(f"{NS}/pods/p1/status", status_patch))[0] == 200
        assert (await node.patch(f"{NS}/pods/p2/status", status_patch))[0] == 403
        assert (await node.delete(f"{NS}/pods/p2"))[0] == 403


async def test_each_component_has_its_bootstrap_role(rbac: Cluster) -> None:
    await _objects(rbac)
    async with rbac.api("system:kube-scheduler") as scheduler:
        assert (await scheduler.get(f"{NS}/pods"))[0] == 200
        assert (await scheduler.get("/api/v1/nodes"))[0] == 200
        status, body = await scheduler.get(f"{NS}/secrets/s1")
        assert status == 403 and 'User "system:kube-scheduler" cannot get resource "secrets"' in body["message"]
        binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p3"},
                   "target": {"kind": "Node", "name": "n1"}}
        async with rbac.api() as admin:
            await admin.post(f"{NS}/pods", {**_pod("p3", "", "s1", "c1"),
                                            "spec": {"containers": [{"name": "c", "image": "x"}]}})
        assert (await scheduler.post(f"{NS}/pods/p3/binding", binding))[0] == 201
        assert (await scheduler.post(f"{NS}/configmaps", {"metadata": {"name": "x"}}))[0] == 403


async def test_the_python_client_sees_kubernetes_403(rbac: Cluster) -> None:
    import asyncio

    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    api = client.CoreV1Api(config.new_client_from_config(config_file=str(rbac.kubeconfig("jane"))))
    try:
        await asyncio.to_thread(api.list_namespaced_pod, "default")
    except ApiException as exc:
        assert exc.status == 403
        body = json.loads(exc.body)
        assert body["reason"] == "Forbidden"
        assert body["message"] == ('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the '
                                   'namespace "default"')
    else:
        raise AssertionError("jane may not list pods")
    finally:
        api.api_client.close()
