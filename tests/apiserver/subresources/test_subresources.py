"""status, scale, binding, eviction and log subresources."""

from __future__ import annotations

from tests.apiserver.conftest import Api, deployment, pod

PODS = "/api/v1/namespaces/default/pods"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
PDBS = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"


def binding(name: str, node: str) -> dict:
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"kind": "Node", "name": node}}


async def test_status_writes_change_only_status(api: Api) -> None:
    _, created = await api.post(DEPLOYS, deployment("web", 2))
    created["status"] = {"replicas": 2, "observedGeneration": 1}
    created["spec"]["replicas"] = 9
    status, body = await api.put(f"{DEPLOYS}/web/status", created)
    assert status == 200 and body["status"]["replicas"] == 2 and body["spec"]["replicas"] == 2
    assert body["metadata"]["generation"] == 1
    status, body = await api.patch(f"{DEPLOYS}/web/status", {"status": {"readyReplicas": 1}})
    assert status == 200 and body["status"]["readyReplicas"] == 1


async def test_scale_reads_and_writes_replicas_and_bumps_generation(api: Api) -> None:
    await api.post(DEPLOYS, deployment("web", 1))
    status, scale = await api.get(f"{DEPLOYS}/web/scale")
    assert status == 200 and scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 1 and scale["status"]["selector"] == "app=web"
    status, scale = await api.patch(f"{DEPLOYS}/web/scale", {"spec": {"replicas": 5}})
    assert status == 200 and scale["spec"]["replicas"] == 5
    _, dep = await api.get(f"{DEPLOYS}/web")
    assert dep["spec"]["replicas"] == 5 and dep["metadata"]["generation"] == 2
    scale["spec"]["replicas"] = 3
    status, scale = await api.put(f"{DEPLOYS}/web/scale", scale)
    assert status == 200 and scale["spec"]["replicas"] == 3
    status, body = await api.patch(f"{DEPLOYS}/web/scale", {"spec": {"replicas": -1}})
    assert status == 422 and body["kind"] == "Status"


async def test_binding_sets_node_once(api: Api) -> None:
    await api.post(PODS, pod("p"))
    status, body = await api.post(f"{PODS}/p/binding", binding("p", "n1"))
    assert status == 201 and body["status"] == "Success"
    _, bound = await api.get(f"{PODS}/p")
    assert bound["spec"]["nodeName"] == "n1"
    assert any(c["type"] == "PodScheduled" for c in bound["status"]["conditions"])
    status, body = await api.post(f"{PODS}/p/binding", binding("p", "n2"))
    assert status == 409 and body["reason"] == "Conflict"
    status, _ = await api.post(f"{PODS}/ghost/binding", binding("ghost", "n1"))
    assert status == 404


async def test_binding_uid_precondition_refuses_a_recreated_pod(api: Api) -> None:
    """The scheduler decided for one pod; a pod re-created under its name must not get that binding."""
    _, created = await api.post(PODS, pod("p"))
    old_uid = created["metadata"]["uid"]
    await api.delete(f"{PODS}/p", {"gracePeriodSeconds": 0})
    _, again = await api.post(PODS, pod("p"))
    assert again["metadata"]["uid"] != old_uid
    stale = binding("p", "n1") | {"metadata": {"name": "p", "uid": old_uid}}
    status, body = await api.post(f"{PODS}/p/binding", stale)
    assert status == 409 and "Precondition failed" in body["message"]
    assert not (await api.get(f"{PODS}/p"))[1]["spec"].get("nodeName")
    fresh = binding("p", "n1") | {"metadata": {"name": "p", "uid": again["metadata"]["uid"]}}
    assert (await api.post(f"{PODS}/p/binding", fresh))[0] == 201


async def test_eviction_without_budget_deletes_the_pod(api: Api) -> None:
    await api.post(PODS, pod("p"))
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p", "namespace": "default"}}
    status, body = await api.post(f"{PODS}/p/eviction", eviction)
    assert status == 201, body
    assert (await api.get(f"{PODS}/p"))[0] == 404


async def test_eviction_that_breaks_a_budget_is_429(api: Api) -> None:
    await api.post(PODS, pod("guarded", {"app": "db"}, nodeName="n1"))
    running = {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
    status, _ = await api.patch(f"{PODS}/guarded/status", running)
    assert status == 200
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}}
    status, _ = await api.post("/apis/policy/v1/namespaces/default/poddisruptionbudgets", pdb)
    assert status == 201
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "guarded"}}
    status, body = await api.post(f"{PODS}/guarded/eviction", eviction)
    assert status == 429 and body["reason"] == "TooManyRequests"
    _, still = await api.get(f"{PODS}/guarded")
    assert not still["metadata"].get("deletionTimestamp")


async def test_log_of_unscheduled_pod_is_a_clear_400(api: Api) -> None:
    await api.post(PODS, pod("p"))
    status, body = await api.get(f"{PODS}/p/log")
    assert status == 400 and "does not have a host assigned" in body["message"]
    status, body = await api.get(f"{PODS}/p/log?container=nope")
    assert status == 400 and "not valid" in body["message"]


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
