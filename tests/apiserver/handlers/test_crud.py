"""create, get, list, update, patch through HTTPS: Kubernetes' semantics and Status errors."""

from __future__ import annotations

from tests.apiserver.conftest import Api, deployment, pod

PODS = "/api/v1/namespaces/default/pods"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"


async def test_bootstrap_namespaces_exist(api: Api) -> None:
    status, body = await api.get("/api/v1/namespaces")
    assert status == 200
    names = {n["metadata"]["name"] for n in body["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names
    assert all(n["status"]["phase"] == "Active" for n in body["items"])


async def test_create_sets_server_metadata_and_get_returns_it(api: Api) -> None:
    status, created = await api.post(PODS, pod("p1", {"app": "a"}))
    assert status == 201, created
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z") and int(meta["resourceVersion"]) > 0
    assert meta["namespace"] == "default" and created["status"]["phase"] == "Pending"
    status, got = await api.get(f"{PODS}/p1")
    assert status == 200 and got["metadata"]["uid"] == meta["uid"]
    assert got["kind"] == "Pod" and got["apiVersion"] == "v1"


async def test_create_twice_is_already_exists(api: Api) -> None:
    await api.post(PODS, pod("p1"))
    status, body = await api.post(PODS, pod("p1"))
    assert status == 409 and body["reason"] == "AlreadyExists" and body["details"]["name"] == "p1"


async def test_generate_name(api: Api) -> None:
    body = pod("")
    body["metadata"] = {"generateName": "web-"}
    status, created = await api.post(PODS, body)
    assert status == 201 and created["metadata"]["name"].startswith("web-")
    assert len(created["metadata"]["name"]) == len("web-") + 5


async def test_create_in_missing_namespace_is_404(api: Api) -> None:
    status, body = await api.post("/api/v1/namespaces/nowhere/pods", pod("p"))
    assert status == 404 and body["details"]["kind"] == "namespaces"


async def test_dry_run_stores_nothing(api: Api) -> None:
    status, _ = await api.post(f"{PODS}?dryRun=All", pod("dry"))
    assert status == 201
    status, _ = await api.get(f"{PODS}/dry")
    assert status == 404


async def test_list_filters_by_label_and_field_selector(api: Api) -> None:
    await api.post(PODS, pod("a", {"tier": "web"}))
    await api.post(PODS, pod("b", {"tier": "db"}))
    status, body = await api.get(f"{PODS}?labelSelector=tier%3Dweb")
    assert status == 200 and [p["metadata"]["name"] for p in body["items"]] == ["a"]
    assert int(body["metadata"]["resourceVersion"]) > 0
    status, body = await api.get("/api/v1/pods?fieldSelector=metadata.name%3Db")
    assert [p["metadata"]["name"] for p in body["items"]] == ["b"]
    status, body = await api.get(f"{PODS}?labelSelector=tier%3Dnone")
    assert status == 200 and body["items"] == []


async def test_update_with_stale_resource_version_conflicts(api: Api) -> None:
    _, created = await api.post(PODS, pod("p"))
    fresh = {**created, "metadata": {**created["metadata"], "labels": {"v": "1"}}}
    status, updated = await api.put(f"{PODS}/p", fresh)
    assert status == 200 and updated["metadata"]["labels"] == {"v": "1"}
    stale = {**created, "metadata": {**created["metadata"], "labels": {"v": "2"}}}
    status, body = await api.put(f"{PODS}/p", stale)
    assert status == 409 and body["reason"] == "Conflict"
    assert "the object has been modified; please apply your changes to the latest version" in body["message"]
    _, now = await api.get(f"{PODS}/p")
    assert now["metadata"]["labels"] == {"v": "1"}


async def test_generation_bumps_on_spec_change_only(api: Api) -> None:
    _, created = await api.post(DEPLOYS, deployment("web"))
    assert created["metadata"]["generation"] == 1
    _, labelled = await api.patch(f"{DEPLOYS}/web", {"metadata": {"labels": {"x": "y"}}})
    assert labelled["metadata"]["generation"] == 1
    _, scaled = await api.patch(f"{DEPLOYS}/web", {"spec": {"replicas": 3}})
    assert scaled["metadata"]["generation"] == 2 and scaled["spec"]["replicas"] == 3


async def test_main_resource_update_ignores_status(api: Api) -> None:
    _, created = await api.post(DEPLOYS, deployment("web"))
    status, body = await api.patch(f"{DEPLOYS}/web", {"status": {"replicas": 7}})
    assert status == 200 and body.get("status", {}).get("replicas") in (None, 0)


async def test_json_patch_and_failing_patch_leaves_store_unchanged(api: Api) -> None:
    await api.post(PODS, pod("p", {"a": "1"}))
    status, body = await api.patch(f"{PODS}/p", [{"op": "replace", "path": "/metadata/labels/a", "value": "2"}],
                                   content_type="application/json-patch+json")
    assert status == 200 and body["metadata"]["labels"]["a"] == "2"
    _, before = await api.get(f"{PODS}/p")
    status, body = await api.patch(f"{PODS}/p", [{"op": "test", "path": "/metadata/labels/a", "value": "nope"}],
                                   content_type="application/json-patch+json")
    assert status in (400, 422) and body["kind"] == "Status"
    _, after = await api.get(f"{PODS}/p")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_server_side_apply_creates_then_updates(api: Api) -> None:
    body = deployment("applied")
    body["metadata"]["namespace"] = "default"
    status, created = await api.patch(f"{DEPLOYS}/applied?fieldManager=kubectl&force=false", body,
                                      content_type="application/apply-patch+yaml")
    assert status == 201, created
    body["spec"]["replicas"] = 4
    status, updated = await api.patch(f"{DEPLOYS}/applied?fieldManager=kubectl", body,
                                      content_type="application/apply-patch+yaml")
    assert status == 200 and updated["spec"]["replicas"] == 4


async def test_strategic_merge_patch(api: Api) -> None:
    await api.post(DEPLOYS, deployment("web"))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "kube.local/pause:1"}]}}}}
    status, body = await api.patch(f"{DEPLOYS}/web", patch, content_type="application/strategic-merge-patch+json")
    assert status == 200
    assert body["spec"]["template"]["spec"]["containers"][0]["image"] == "kube.local/pause:1"


async def test_yaml_body_and_no_content_type(api: Api) -> None:
    yaml_body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\ndata:\n  k: v\n"
    status, body = await api.post("/api/v1/namespaces/default/configmaps", yaml_body,
                                  content_type="application/yaml")
    assert status == 201 and body["data"] == {"k": "v"}
    async with api.session.post("/api/v1/namespaces/default/configmaps",
                                data=b'{"metadata":{"name":"cm2"}}') as resp:
        assert resp.status == 201


async def test_cluster_scoped_kinds(api: Api) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"zone": "a"}}}
    status, created = await api.post("/api/v1/nodes", node)
    assert status == 201 and "namespace" not in created["metadata"]
    status, body = await api.patch("/api/v1/nodes/n1", {"spec": {"unschedulable": True}},
                                   content_type="application/strategic-merge-patch+json")
    assert status == 200 and body["spec"]["unschedulable"] is True


async def test_events_are_stored_with_a_lease_so_they_expire(api: Api) -> None:
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1"},
             "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"}, "reason": "Started",
             "message": "started", "type": "Normal"}
    status, body = await api.post("/api/v1/namespaces/default/events", event)
    assert status == 201, body
    kv = await api.server.state.store.get("/registry/events/default/e1")  # type: ignore[union-attr]
    assert kv is not None and kv.lease != 0


async def test_services_get_a_cluster_ip(api: Api) -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    status, body = await api.post("/api/v1/namespaces/default/services", svc)
    assert status == 201, body
    assert body["spec"]["clusterIP"].startswith("10.")
    status, _ = await api.delete("/api/v1/namespaces/default/services/web")
    assert status == 200
