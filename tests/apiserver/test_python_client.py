"""The official `kubernetes` Python client against `kube apiserver` (a child process): a watch
that resumes across a restart of the server without losing an event. (CRUD and in-order
watches on both stores are in tests/e2e/test_python_client.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client, config, watch

from tests.apiserver.conftest import ADMIN_TOKEN, ServerProcess, ca_file, write_kubeconfig


@pytest.fixture
def k8s(server_process: ServerProcess, pki_dir: Path, tmp_path: Path) -> client.ApiClient:
    path = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    return config.new_client_from_config(config_file=str(path))


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
