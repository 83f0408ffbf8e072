"""Answers byte for byte as Kubernetes' encoder writes them (issue 13, item 5): a Status
in Go's field order with the closing newline, objects `kind, apiVersion, metadata, spec,
status`, lists `kind, apiVersion, metadata, items`; the Python client's create_from_yaml
then reports a conflict in exactly Kubernetes' words."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config, utils

from tests.apiserver.conftest import pod
from tests.e2e.conftest import Cluster


@pytest.fixture(scope="module")
def k8s(cluster: Cluster) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(cluster.kubeconfig))


@pytest.fixture
def ns(k8s: client.ApiClient) -> Iterator[str]:
    name = f"gojson-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(k8s).create_namespace({"metadata": {"name": name}})
    yield name


def test_create_from_yaml_reports_a_conflict_in_kubernetes_words(k8s: client.ApiClient, ns: str,
                                                                 tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\ndata: {a: '1'}\n---\n"
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second}\ndata: {b: '2'}\n")
    client.CoreV1Api(k8s).create_namespaced_config_map(ns, {"metadata": {"name": "second"}})
    with pytest.raises(utils.FailToCreateError) as caught:
        utils.create_from_yaml(k8s, str(manifest), namespace=ns)
    [failure] = caught.value.api_exceptions
    assert failure.status == 409
    assert failure.body == ('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                            '"message":"configmaps \\"second\\" already exists","reason":"AlreadyExists",'
                            '"details":{"name":"second","kind":"configmaps"},"code":409}\n')
    assert client.CoreV1Api(k8s).read_namespaced_config_map("first", ns).data == {"a": "1"}


def test_objects_and_lists_in_go_field_order(k8s: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(k8s)
    created = core.create_namespaced_pod(ns, pod("ordered"), _preload_content=False).data
    read = core.read_namespaced_pod("ordered", ns, _preload_content=False).data
    for raw in (created, read):
        assert raw.endswith(b"}\n")
        assert list(json.loads(raw)) == ["kind", "apiVersion", "metadata", "spec", "status"]
    core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}})
    secret = core.read_namespaced_secret("s", ns, _preload_content=False).data
    assert list(json.loads(secret)) == ["kind", "apiVersion", "metadata", "data", "type"]
    listed = core.list_namespaced_pod(ns, _preload_content=False).data
    assert list(json.loads(listed)) == ["kind", "apiVersion", "metadata", "items"] and listed.endswith(b"}\n")
