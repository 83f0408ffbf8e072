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


def test_rbac_and_endpointslices_come_back_in_go_order_not_the_clients(k8s: client.ApiClient, ns: str) -> None:
    """The Python client sends roleRef before subjects (its model's attribute order);
    Kubernetes answers in its Go structs' order, metadata included. (Its EndpointSlice
    already goes addressType, endpoints, ports: checked, not proved by this client.)"""
    rbac = client.RbacAuthorizationV1Api(k8s)
    rbac.create_namespaced_role(ns, client.V1Role(metadata=client.V1ObjectMeta(name="reader"), rules=[
        client.V1PolicyRule(verbs=["get"], api_groups=[""], resources=["pods"])]))
    binding = client.V1RoleBinding(metadata=client.V1ObjectMeta(name="readers", labels={"a": "b"}),
                                   role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role",
                                                             name="reader"),
                                   subjects=[client.RbacV1Subject(kind="User", name="someone",
                                                                  api_group="rbac.authorization.k8s.io")])
    raw = rbac.create_namespaced_role_binding(ns, binding, _preload_content=False).data
    body = json.loads(raw)
    assert list(body) == ["kind", "apiVersion", "metadata", "subjects", "roleRef"] and raw.endswith(b"}\n")
    assert list(body["metadata"])[:3] == ["name", "namespace", "uid"]
    read = json.loads(rbac.read_namespaced_role_binding("readers", ns, _preload_content=False).data)
    assert list(read) == ["kind", "apiVersion", "metadata", "subjects", "roleRef"]
    slice_ = client.V1EndpointSlice(address_type="IPv4", metadata=client.V1ObjectMeta(name="web-1"),
                                    endpoints=[client.V1Endpoint(addresses=["10.1.0.2"])],
                                    ports=[client.DiscoveryV1EndpointPort(name="http", port=80)])
    raw = client.DiscoveryV1Api(k8s).create_namespaced_endpoint_slice(ns, slice_, _preload_content=False).data
    assert list(json.loads(raw)) == ["kind", "apiVersion", "metadata", "addressType", "endpoints", "ports"]
