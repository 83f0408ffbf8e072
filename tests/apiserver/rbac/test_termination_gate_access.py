"""The rights issue 16's termination gate needs, and no more: a proxy writes its programmed
Lease in kube-node-lease (RBAC system:node-proxier, and the Builtin policy); a node lists and
watches those Leases and EndpointSlices (the Node authorizer, system:node), but still writes
only its own Lease and lists Leases nowhere else."""

from __future__ import annotations

from typing import Any

from kube.apiserver.auth.authorizer import authorize
from kube.apiserver.auth.user import UserInfo
from tests.apiserver.rbac.conftest import Cluster

LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


def _lease(name: str) -> dict[str, Any]:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "labels": {"kube.io/component": "kube-proxy"},
                         "annotations": {"kube.io/programmed-revision": "7"}},
            "spec": {"holderIdentity": "h1", "leaseDurationSeconds": 30}}


def _may(verb: str, resource: str, group: str, namespace: str) -> dict[str, Any]:
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "group": group,
                                            "namespace": namespace}}}


async def test_a_proxy_writes_its_lease_and_a_node_reads_them(rbac: Cluster) -> None:
    async with rbac.api("system:kube-proxy") as proxy:
        status, made = await proxy.post(LEASES, _lease("kube-proxy-h1"))
        assert status == 201, made
        status, got = await proxy.get(f"{LEASES}/kube-proxy-h1")
        assert status == 200
        got["metadata"]["annotations"]["kube.io/programmed-revision"] = "8"
        assert (await proxy.put(f"{LEASES}/kube-proxy-h1", got))[0] == 200
        status, body = await proxy.delete(f"{LEASES}/kube-proxy-h1")
        assert status == 403 and 'cannot delete resource "leases"' in body["message"]
        assert (await proxy.post("/api/v1/namespaces/default/pods", {"metadata": {"name": "x"}}))[0] == 403

    async with rbac.api("system:node:n1") as node:
        status, listed = await node.get(f"{LEASES}?labelSelector=kube.io/component%3Dkube-proxy")
        assert status == 200 and [i["metadata"]["name"] for i in listed["items"]] == ["kube-proxy-h1"]
        assert (await node.get("/apis/discovery.k8s.io/v1/endpointslices"))[0] == 200
        for verb, resource, group, namespace in (("watch", "leases", "coordination.k8s.io", "kube-node-lease"),
                                                 ("watch", "endpointslices", "discovery.k8s.io", "")):
            status, review = await node.post(SSAR, _may(verb, resource, group, namespace))
            assert status == 201 and review["status"]["allowed"] is True, (verb, resource, review)
        # still: no Leases listed elsewhere, no writing to another's Lease, no writing slices
        status, body = await node.get("/apis/coordination.k8s.io/v1/namespaces/default/leases")
        assert status == 403 and "kube-node-lease" in body["message"]
        status, body = await node.put(f"{LEASES}/kube-proxy-h1", {**listed["items"][0], "kind": "Lease",
                                                                   "apiVersion": "coordination.k8s.io/v1"})
        assert status == 403 and "same name as the requesting node" in body["message"]
        status, review = await node.post(SSAR, _may("update", "endpointslices", "discovery.k8s.io", "default"))
        assert status == 201 and review["status"]["allowed"] is False


def test_the_builtin_policy_lets_the_proxy_write_leases_only_in_kube_node_lease() -> None:
    proxy = UserInfo("system:kube-proxy")
    group = "coordination.k8s.io"
    assert authorize(proxy, "create", "leases", "", "kube-node-lease", group)
    assert authorize(proxy, "update", "leases", "", "kube-node-lease", group)
    assert authorize(proxy, "get", "leases", "", "kube-node-lease", group)
    assert not authorize(proxy, "delete", "leases", "", "kube-node-lease", group)
    assert not authorize(proxy, "update", "leases", "", "kube-system", group)
    node = UserInfo("system:node:n1", ("system:nodes",))
    assert authorize(node, "watch", "leases", "", "kube-node-lease", group)
    assert authorize(node, "list", "endpointslices", "", "", "discovery.k8s.io")
