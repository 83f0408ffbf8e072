"""The official `kubernetes` Python client against `kube apiserver` (a child process),
including a watch that resumes across a restart of the server without losing an event."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.apiserver.conftest import ADMIN_TOKEN, ServerProcess, ca_file, deployment, pod, write_kubeconfig


@pytest.fixture
def k8s(server_process: ServerProcess, pki_dir: Path, tmp_path: Path) -> client.ApiClient:
    path = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    return config.new_client_from_config(config_file=str(path))


def test_pods_create_list_patch_delete(k8s: client.ApiClient) -> None:
    core = client.CoreV1Api(k8s)
    created = core.create_namespaced_pod("default", pod("py", {"app": "py"}))
    assert created.metadata.uid and created.status.phase == "Pending"
    listed = core.list_namespaced_pod("default", label_selector="app=py")
    assert [p.metadata.name for p in listed.items] == ["py"]
    patched = core.patch_namespaced_pod("py", "default", {"metadata": {"labels": {"x": "y"}}})
    assert patched.metadata.labels == {"app": "py", "x": "y"}
    core.delete_namespaced_pod("py", "default")
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod("py", "default")
    assert err.value.status == 404


def test_deployments_and_scale(k8s: client.ApiClient) -> None:
    apps = client.AppsV1Api(k8s)
    apps.create_namespaced_deployment("default", deployment("web", 2))
    scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 4}})
    assert scale.spec.replicas == 4
    dep = apps.read_namespaced_deployment("web", "default")
    assert dep.spec.replicas == 4 and dep.metadata.generation == 2
    with pytest.raises(ApiException) as err:
        apps.create_namespaced_deployment("default", deployment("web", 2))
    assert err.value.status == 409
    apps.delete_namespaced_deployment("web", "default")


def test_watch_in_order_and_resume_across_restart(k8s: client.ApiClient, server_process: ServerProcess) -> None:
    core = client.CoreV1Api(k8s)
    start_rv = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", {"metadata": {"name": "cm"}, "data": {"v": "1"}})
    core.patch_namespaced_config_map("cm", "default", {"data": {"v": "2"}})
    seen = []
    last_rv = start_rv
    for event in watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=start_rv,
                                      timeout_seconds=10):
        seen.append((event["type"], event["object"].data["v"]))
        last_rv = event["object"].metadata.resource_version
        if len(seen) == 2:
            break
    assert seen == [("ADDED", "1"), ("MODIFIED", "2")]
    server_process.stop()
    server_process.start()
    core.patch_namespaced_config_map("cm", "default", {"data": {"v": "3"}})
    core.delete_namespaced_config_map("cm", "default")
    resumed = []
    for event in watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=last_rv,
                                      timeout_seconds=10):
        resumed.append((event["type"], event["object"].data["v"]))
        if len(resumed) == 2:
            break
    assert resumed == [("MODIFIED", "3"), ("DELETED", "3")]
