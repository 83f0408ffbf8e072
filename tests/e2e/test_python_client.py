"""The official `kubernetes` Python client on both stores: pods and deployments CRUD,
scale, and a watch that delivers ADDED / MODIFIED / DELETED in order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.apiserver.conftest import deployment, pod
from tests.e2e.conftest import Cluster


@pytest.fixture(scope="module")
def k8s(cluster: Cluster) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(cluster.kubeconfig))


@pytest.fixture
def ns(k8s: client.ApiClient) -> Iterator[str]:
    name = f"py-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(k8s).create_namespace({"metadata": {"name": name}})
    yield name


def test_pods_create_list_patch_delete(k8s: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(k8s)
    created = core.create_namespaced_pod(ns, pod("py", {"app": "py"}))
    assert created.metadata.uid and created.status.phase == "Pending" and created.metadata.namespace == ns
    core.create_namespaced_pod(ns, pod("other", {"app": "other"}))
    listed = core.list_namespaced_pod(ns, label_selector="app=py")
    assert [p.metadata.name for p in listed.items] == ["py"]
    assert {p.metadata.name for p in core.list_pod_for_all_namespaces(label_selector="app in (py,other)").items
            if p.metadata.namespace == ns} == {"py", "other"}
    patched = core.patch_namespaced_pod("py", ns, {"metadata": {"labels": {"x": "y"}}})
    assert patched.metadata.labels == {"app": "py", "x": "y"}
    core.delete_namespaced_pod("py", ns, grace_period_seconds=0)
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod("py", ns)
    assert err.value.status == 404


def test_deployments_create_scale_patch_delete(k8s: client.ApiClient, ns: str) -> None:
    apps = client.AppsV1Api(k8s)
    apps.create_namespaced_deployment(ns, deployment("web", 2))
    scale = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 4}})
    assert scale.spec.replicas == 4
    dep = apps.read_namespaced_deployment("web", ns)
    assert dep.spec.replicas == 4 and dep.metadata.generation == 2
    dep = apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "kube.local/busybox:2"}]}}}})
    assert dep.spec.template.spec.containers[0].image == "kube.local/busybox:2" and dep.metadata.generation == 3
    with pytest.raises(ApiException) as err:
        apps.create_namespaced_deployment(ns, deployment("web", 2))
    assert err.value.status == 409
    assert [d.metadata.name for d in apps.list_namespaced_deployment(ns).items] == ["web"]
    apps.delete_namespaced_deployment("web", ns)
    assert apps.list_namespaced_deployment(ns).items == []


def test_watch_delivers_added_modified_deleted_in_order(k8s: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(k8s)
    start_rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "cm"}, "data": {"v": "1"}})
    core.patch_namespaced_config_map("cm", ns, {"data": {"v": "2"}})
    core.patch_namespaced_config_map("cm", ns, {"data": {"v": "3"}})
    core.delete_namespaced_config_map("cm", ns)
    seen = []
    for event in watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=start_rv,
                                      timeout_seconds=20):
        seen.append((event["type"], event["object"].data["v"], int(event["object"].metadata.resource_version)))
        if len(seen) == 4:
            break
    assert [(t, v) for t, v, _ in seen] == [("ADDED", "1"), ("MODIFIED", "2"), ("MODIFIED", "3"), ("DELETED", "3")]
    revisions = [rv for _, _, rv in seen]
    assert revisions == sorted(revisions) and len(set(revisions[:3])) == 3
