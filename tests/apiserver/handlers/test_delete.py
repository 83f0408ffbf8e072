"""Deletion: immediate, graceful pods, finalizers, propagation policies, namespaces."""

from __future__ import annotations

from tests.apiserver.conftest import Api, deployment, pod

PODS = "/api/v1/namespaces/default/pods"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
CMS = "/api/v1/namespaces/default/configmaps"


async def test_unbound_pod_is_deleted_at_once(api: Api) -> None:
    await api.post(PODS, pod("p"))
    status, body = await api.delete(f"{PODS}/p")
    assert status == 200 and body["metadata"]["name"] == "p"
    assert (await api.get(f"{PODS}/p"))[0] == 404


async def test_bound_pod_waits_for_its_node_agent(api: Api) -> None:
    await api.post(PODS, pod("p", nodeName="n1", terminationGracePeriodSeconds=20))
    status, body = await api.delete(f"{PODS}/p")
    assert status == 200  # kept for its grace period: still 200, as Kubernetes answers
    assert body["metadata"]["deletionTimestamp"] and body["metadata"]["deletionGracePeriodSeconds"] == 20
    status, body = await api.get(f"{PODS}/p")
    assert status == 200 and body["metadata"]["deletionTimestamp"]
    status, _ = await api.delete(f"{PODS}/p", {"gracePeriodSeconds": 0})
    assert status == 200
    assert (await api.get(f"{PODS}/p"))[0] == 404


async def test_finalizers_hold_the_object_until_removed(api: Api) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "finalizers": ["example.com/x"]}}
    await api.post(CMS, body)
    status, _ = await api.delete(f"{CMS}/cm", {"orphanDependents": False})
    assert status == 202  # kept, and a cascade was asked for the legacy way: Kubernetes' one 202
    status, held = await api.get(f"{CMS}/cm")
    assert status == 200 and held["metadata"]["deletionTimestamp"]
    status, _ = await api.patch(f"{CMS}/cm", {"metadata": {"finalizers": None}})
    assert status == 200
    assert (await api.get(f"{CMS}/cm"))[0] == 404


async def test_propagation_policies_add_gc_finalizers(api: Api) -> None:
    await api.post(DEPLOYS, deployment("fg"))
    await api.post(DEPLOYS, deployment("or"))
    await api.post(DEPLOYS, deployment("bg"))
    _, fg = await api.delete(f"{DEPLOYS}/fg", {"propagationPolicy": "Foreground"})
    assert fg["metadata"]["finalizers"] == ["foregroundDeletion"]
    _, orphan = await api.delete(f"{DEPLOYS}/or?propagationPolicy=Orphan")
    assert orphan["metadata"]["finalizers"] == ["orphan"]
    status, bg = await api.delete(f"{DEPLOYS}/bg", {"propagationPolicy": "Background"})
    assert status == 200 and bg["kind"] == "Status" and bg["status"] == "Success"
    assert (await api.get(f"{DEPLOYS}/bg"))[0] == 404


async def test_preconditions_and_bad_policy(api: Api) -> None:
    await api.post(CMS, {"metadata": {"name": "cm"}})
    status, body = await api.delete(f"{CMS}/cm", {"preconditions": {"uid": "not-the-uid"}})
    assert status == 409 and "Precondition failed" in body["message"]
    status, body = await api.delete(f"{CMS}/cm", {"propagationPolicy": "Sideways"})
    assert status == 422 and body["kind"] == "Status"
    assert (await api.get(f"{CMS}/cm"))[0] == 200


async def test_namespace_deletion_terminates_then_finalize_removes(api: Api) -> None:
    await api.post("/api/v1/namespaces", {"metadata": {"name": "team"}})
    await api.post("/api/v1/namespaces/team/configmaps", {"metadata": {"name": "cm"}})
    status, ns = await api.delete("/api/v1/namespaces/team")
    assert status in (200, 202) and ns["status"]["phase"] == "Terminating"
    status, body = await api.post("/api/v1/namespaces/team/configmaps", {"metadata": {"name": "late"}})
    assert status == 403 and body["reason"] == "Forbidden"
    ns["spec"]["finalizers"] = []
    status, _ = await api.put("/api/v1/namespaces/team/finalize", ns)
    assert status == 200
    assert (await api.get("/api/v1/namespaces/team"))[0] == 404


async def test_delete_collection_by_label(api: Api) -> None:
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        await api.post(CMS, {"metadata": {"name": name, "labels": {"tier": tier}}})
    status, body = await api.delete(f"{CMS}?labelSelector=tier%3Dweb")
    assert status == 200 and sorted(i["metadata"]["name"] for i in body["items"]) == ["a", "b"]
    _, left = await api.get(CMS)
    assert [i["metadata"]["name"] for i in left["items"]] == ["c"]


async def test_an_object_kept_by_its_finalizers_is_answered_200(api: Api) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kept", "finalizers": ["example.com/x"]}}
    await api.post(CMS, body)
    status, held = await api.delete(f"{CMS}/kept")
    assert status == 200 and held["metadata"]["deletionTimestamp"]  # Kubernetes' answer: 202 only for orphanDependents=false
    await api.patch(f"{CMS}/kept", {"metadata": {"finalizers": None}})
