"""NodeRestriction on what a create names in its body: a node's Lease and its mirror pods.

A create carries no name in its URL, so the Node authorizer lets it through to admission;
without these checks a node could write another node's heartbeat, or bind itself a pod
naming any Secret and then read that Secret through the Node authorizer's graph.
"""

from __future__ import annotations

from typing import Any

from tests.apiserver.rbac.conftest import Cluster

NS = "/api/v1/namespaces/default"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/{}/leases"


def _mirror(name: str, node: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": {"kubernetes.io/config.mirror": "abc"},
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node, "uid": "u",
                                              "controller": True}]},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "kube.local/busybox:1"}], **spec}}


async def test_a_node_creates_only_its_own_lease(rbac: Cluster) -> None:
    async with rbac.api("system:node:n1") as node:
        status, body = await node.post(LEASES.format("kube-node-lease"), {"metadata": {"name": "n2"}})
        assert status == 403 and body["reason"] == "Forbidden"
        assert body["message"] == ('leases "n2" is forbidden: can only access node lease with the same name as the '
                                   "requesting node")
        status, body = await node.put(f"{LEASES.format('kube-node-lease')}/n2", {"metadata": {"name": "n2"}})
        assert status == 403
        status, body = await node.post(LEASES.format("default"), {"metadata": {"name": "n1"}})
        assert status == 403 and "can only access leases in the" in body["message"]
        status, body = await node.post(f"{LEASES.format('kube-node-lease')}?dryRun=All", {"metadata": {"name": "n2"}})
        assert status == 403, "a dry run is refused where the write would be"
        assert (await node.post(LEASES.format("kube-node-lease"), {"metadata": {"name": "n1"}}))[0] == 201
    async with rbac.api() as admin:
        status, listed = await admin.get(LEASES.format("kube-node-lease"))
        assert status == 200 and [i["metadata"]["name"] for i in listed["items"]] == ["n1"]


async def test_a_node_creates_only_mirror_pods_bound_to_itself_naming_nothing(rbac: Cluster) -> None:
    async with rbac.api() as admin:
        assert (await admin.post(f"{NS}/secrets", {"metadata": {"name": "db"}, "data": {"k": "dg=="}}))[0] == 201
    async with rbac.api("system:node:n1") as node:
        plain = {"metadata": {"name": "grab"}, "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "x"}],
                                                        "volumes": [{"name": "s", "secret": {"secretName": "db"}}]}}
        status, body = await node.post(f"{NS}/pods", plain)
        assert status == 403 and body["message"] == (
            'pods "grab" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only '
            "create mirror pods")
        assert (await node.get(f"{NS}/secrets/db"))[0] == 403  # the refused pod gave it no path to the Secret
        refused = {
            "other": (_mirror("m", "n2"), 'node "n1" can only create pods with spec.nodeName set to itself'),
            "secret": (_mirror("m", "n1", volumes=[{"name": "s", "secret": {"secretName": "db"}}]),
                       'node "n1" can not create pods that reference secrets'),
            "configmap": (_mirror("m", "n1", volumes=[{"name": "c", "configMap": {"name": "cm"}}]),
                          'node "n1" can not create pods that reference configmaps'),
            "account": (_mirror("m", "n1", serviceAccountName="builder"),
                        'node "n1" can not create pods that reference a service account'),
            "owner": ({**_mirror("m", "n1"), "metadata": {"name": "m", "annotations": {
                "kubernetes.io/config.mirror": "abc"}}}, 'node "n1" can only create pods with an owner reference set '
                                                           "to itself"),
        }
        for case, (pod, reason) in refused.items():
            status, body = await node.post(f"{NS}/pods", pod)
            assert status == 403 and body["message"] == f'pods "m" is forbidden: {reason}', case
        assert (await node.post(f"{NS}/pods?dryRun=All", plain))[0] == 403
        status, created = await node.post(f"{NS}/pods", _mirror("m", "n1"))
        assert status == 201 and created["spec"]["nodeName"] == "n1"
    async with rbac.api() as admin:  # anyone else creates pods as before
        status, _ = await admin.post(f"{NS}/pods", {"metadata": {"name": "p"}, "spec": {
            "containers": [{"name": "c", "image": "x"}]}})
        assert status == 201
