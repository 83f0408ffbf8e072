"""/openapi/v3 documents generated from the registry: what kubectl's apply and explain look for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kube.api.registry import KINDS, KindInfo
from kube.apiserver.openapi.schemas import schema_name
from kube.apiserver.openapi.v3 import group_document, root_document
from tests.apiserver.conftest import Api


def _key(kind: KindInfo) -> str:
    return f"apis/{kind.group}/{kind.version}" if kind.group else f"api/{kind.version}"


def _gvk(kind: KindInfo) -> dict[str, str]:
    return {"group": kind.group, "kind": kind.kind, "version": kind.version}


def test_root_lists_every_group_version_with_a_hashed_url() -> None:
    paths = root_document()["paths"]
    for key in ("api", "apis", "api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1", "apis/policy/v1"):
        url = paths[key]["serverRelativeURL"]
        assert url.startswith(f"/openapi/v3/{key}?hash=")
        assert group_document(key) is not None
    # the hash follows the content, so clients may cache by URL
    hashes = [p["serverRelativeURL"].split("hash=")[1] for p in paths.values()]
    assert len(set(hashes)) == len(hashes)


def test_documents_are_openapi_3_and_plain_json() -> None:
    for key in root_document()["paths"]:
        doc = group_document(key)
        assert doc is not None
        assert doc["openapi"].startswith("3.0") and doc["info"]["title"]
        json.loads(json.dumps(doc))  # nothing that is not JSON
    assert group_document("apis/nope/v1") is None and group_document("api/v2") is None
    assert group_document("apps/v1") is group_document("apis/apps/v1")
    assert group_document("v1") is group_document("api/v1")


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def test_every_ref_resolves_within_its_document() -> None:
    for key in root_document()["paths"]:
        doc = group_document(key)
        assert doc is not None
        for target in _refs(doc):
            name = target.removeprefix("#/components/schemas/")
            assert name in doc["components"]["schemas"], f"{key}: dangling {target}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.kind)
def test_kind_schema_is_kubernetes_own_and_tagged(kind: KindInfo) -> None:
    doc = group_document(_key(kind))
    assert doc is not None
    schemas = doc["components"]["schemas"]
    schema = schemas[schema_name(kind.group, kind.version, kind.kind)]
    assert schema["x-kubernetes-group-version-kind"] == [_gvk(kind)]
    assert schema["type"] == "object" and "x-kubernetes-preserve-unknown-fields" not in schema
    assert {"apiVersion", "kind", "metadata"} <= set(schema["properties"]) and schema["description"]
    # a reference with a description of its own is wrapped in allOf, as Kubernetes' /openapi/v3 does
    # (a CertificateSigningRequest's metadata has none in certificates/v1 types.go: a bare $ref)
    meta = schema["properties"]["metadata"]
    assert meta.get("allOf", [{"$ref": meta.get("$ref")}]) == [
        {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]
    assert ("allOf" in meta) == ("description" in meta)
    for section in ("spec", "status"):
        if section in schema["properties"]:
            target = schema["properties"][section]["allOf"][0]["$ref"].removeprefix("#/components/schemas/")
            assert schemas[target]["properties"] and schemas[target]["description"]
    if "list" not in kind.verbs:
        return  # the access reviews: create only, no list kind
    listing = doc["components"]["schemas"][schema_name(kind.group, kind.version, kind.list_kind_name)]
    assert listing["x-kubernetes-group-version-kind"][0]["kind"] == kind.list_kind_name


def _patch_ops(doc: dict[str, Any], kind: KindInfo) -> list[tuple[str, dict[str, Any]]]:
    return [(path, item["patch"]) for path, item in doc["paths"].items()
            if "patch" in item and item["patch"]["x-kubernetes-group-version-kind"] == _gvk(kind)]


@pytest.mark.parametrize("kind", [k for k in KINDS if "patch" in k.verbs], ids=lambda k: k.kind)
def test_patch_operation_lets_the_server_validate(kind: KindInfo) -> None:
    """kubectl's fieldValidation check: a PATCH op with the kind's GVK and an in-query fieldValidation."""
    doc = group_document(_key(kind))
    assert doc is not None
    ops = _patch_ops(doc, kind)
    assert ops, f"no patch operation for {kind.kind}"
    object_path = next(path for path, _ in ops if path.endswith("/{name}"))
    assert kind.plural in object_path
    for _, op in ops:
        names = {(p["name"], p["in"]) for p in op["parameters"]}
        assert ("fieldValidation", "query") in names and ("fieldManager", "query") in names
        # no strategic-merge body type: kubectl then builds its patches from its built-in types
        assert "application/strategic-merge-patch+json" not in op["requestBody"]["content"]
        assert "application/apply-patch+yaml" in op["requestBody"]["content"]


def test_operations_cover_verbs_scopes_and_subresources() -> None:
    core = group_document("api/v1")
    apps = group_document("apis/apps/v1")
    assert core is not None and apps is not None
    pods = core["paths"]["/api/v1/namespaces/{namespace}/pods"]
    assert {"get", "post", "delete"} <= set(pods) and pods["get"]["operationId"] == "listCoreV1NamespacedPod"
    assert core["paths"]["/api/v1/pods"]["get"]["operationId"] == "listCoreV1PodForAllNamespaces"
    assert core["paths"]["/api/v1/nodes/{name}"]["patch"]["operationId"] == "patchCoreV1Node"
    assert "post" in core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/binding"]
    eviction = core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]
    assert eviction["x-kubernetes-group-version-kind"] == {"group": "policy", "kind": "Eviction", "version": "v1"}
    scale = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Scale"
    assert "io.k8s.api.autoscaling.v1.Scale" in apps["components"]["schemas"]
    # namespaces have no deletecollection in the registry, so no collection DELETE
    assert "delete" not in core["paths"]["/api/v1/namespaces"]


async def test_openapi_v2_is_a_swagger_document_of_definitions_in_protobuf_or_json(api: Api) -> None:
    """kubectl falls back to it for kinds /openapi/v3 lacks; a 404 would fail every such apply."""
    async with api.session.get("/openapi/v2", headers={
            "Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}) as resp:
        body = await resp.read()
        assert resp.status == 200 and resp.content_type.endswith("+protobuf") and "@" not in resp.content_type
    assert body.startswith(b"\x0a\x032.0\x12") and b"Kubernetes" in body  # field 1 swagger="2.0", field 2 info
    assert b"io.k8s.api.apps.v1.DeploymentSpec" in body and b"Number of desired pods" in body
    status, doc = await api.get("/openapi/v2")
    assert status == 200 and doc["swagger"] == "2.0" and doc["paths"] == {}
    replicas = doc["definitions"]["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"]
    assert replicas["type"] == "integer" and replicas["format"] == "int32"
