"""Bad input always gets a 4xx Status and leaves the store unchanged; nothing ever gets a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apiserver.conftest import Api, pod

PODS = "/api/v1/namespaces/default/pods"


async def _revision(api: Api) -> int:
    return await api.server.state.store.current_revision()  # type: ignore[union-attr]


@pytest.mark.parametrize(("body", "content_type", "code"), [
    (b"{not json", "application/json", 400),
    (b"a: [1, 2", "application/yaml", 400),
    (b"[1, 2]", "application/json", 400),
    (b"", "application/json", 400),
    (b'{"apiVersion": "v2", "kind": "Pod", "metadata": {"name": "x"}}', "application/json", 400),
    (b'{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}', "application/json", 400),
    (b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"}, "spec": {"containers": '
     b'[{"name": "c", "image": "i"}]}}', "application/json", 422),
    (b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {}}', "application/json", 422),
    (b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": "no"}}',
     "application/json", 422),
    (b'{"apiVersion": "v1", "kind": "Pod", "metadata": "x"}', "application/json", 422),
    (b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}', "application/vnd.kubernetes.protobuf",
     400),  # protobuf is accepted now; JSON bytes under its media type lack the k8s\x00 prefix
])
async def test_bad_create_bodies(api: Api, body: bytes, content_type: str, code: int) -> None:
    before = await _revision(api)
    status, answer = await api.post(PODS, body, content_type=content_type)
    assert status == code, answer
    assert answer["kind"] == "Status" and answer["status"] == "Failure" and answer["reason"] and answer["message"]
    assert await _revision(api) == before


async def test_invalid_object_lists_field_causes(api: Api) -> None:
    status, body = await api.post(PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
                                         "spec": {"containers": [{"image": "i"}]}})
    assert status == 422 and body["reason"] == "Invalid"
    assert body["details"]["name"] == "x" and body["details"]["causes"]
    assert all("field" in c for c in body["details"]["causes"])


async def test_oversized_body_is_413(api: Api) -> None:
    big = pod("big")
    big["metadata"]["annotations"] = {"x": "y" * (2 * 1024 * 1024)}
    status, body = await api.post(PODS, big)
    assert status == 413 and body["kind"] == "Status"


async def test_unknown_resource_and_method(api: Api) -> None:
    status, body = await api.get("/api/v1/namespaces/default/widgets")
    assert status == 404 and body["kind"] == "Status"
    status, body = await api.put(PODS, pod("x"))
    assert status == 405 and body["kind"] == "Status"
    status, body = await api.get("/apis/nothing.example.com/v1/things")
    assert status == 404


async def test_bad_query_parameters(api: Api) -> None:
    for query in ("labelSelector=a%20in%20(", "fieldSelector=spec.bogus%3D1", "limit=abc", "continue=%%%",
                  "resourceVersion=abc", "timeoutSeconds=x&watch=true", "resourceVersionMatch=Exact"):
        status, body = await api.get(f"{PODS}?{query}")
        assert 400 <= status < 500, (query, status, body)
        assert body["kind"] == "Status"


async def test_patch_with_unsupported_content_type(api: Api) -> None:
    await api.post(PODS, pod("p"))
    status, body = await api.patch(f"{PODS}/p", {"metadata": {}}, content_type="text/html")
    assert status == 415 and body["kind"] == "Status"


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                  max_size=3), max_leaves=12)
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries({"apiVersion": st.sampled_from(["v1", "apps/v1", "x"]),
                           "kind": st.sampled_from(["Pod", "Deployment", "ConfigMap", "Node"]),
                           "metadata": st.one_of(_json, st.fixed_dictionaries(
                               {"name": st.one_of(st.text(max_size=10), st.integers())}))},
                          optional={"spec": _json, "data": _json, "status": _json}),
)
_paths = st.sampled_from([
    "/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/pods/fuzz",
    "/apis/apps/v1/namespaces/default/deployments", "/apis/apps/v1/namespaces/default/deployments/fuzz/scale",
    "/api/v1/namespaces/default/configmaps/fuzz", "/api/v1/nodes/fuzz", "/api/v1/namespaces/default/pods/fuzz/status",
    "/api/v1/namespaces/default/pods/fuzz/binding", "/api/v1/namespaces/default/pods/fuzz/eviction",
    "/api/v1/namespaces/fuzz", "/api/v1/namespaces/fuzz/finalize", "/api", "/apis/apps", "/x",
])
_queries = st.lists(st.tuples(
    st.sampled_from(["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "dryRun",
                     "gracePeriodSeconds", "propagationPolicy", "resourceVersionMatch", "fieldManager", "force"]),
    st.text(alphabet="abc=!,()0123 -%", max_size=8)), max_size=3)
_types = st.sampled_from(["application/json", "application/yaml", "application/merge-patch+json",
                          "application/json-patch+json", "application/strategic-merge-patch+json",
                          "application/apply-patch+yaml", ""])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]), path=_paths, query=_queries,
       body=_bodies, content_type=_types)
async def test_generated_requests_never_get_a_500(api: Api, method: str, path: str, query: list[tuple[str, str]],
                                                  body: object, content_type: str) -> None:
    from urllib.parse import urlencode

    url = f"{path}?{urlencode(query)}" if query else path
    if method == "GET" and ("watch" in url):
        return
    payload = None if method == "GET" else body
    status, answer = await api.call(method, url, payload, content_type=content_type)
    assert status < 500, (method, url, body, answer)
    if status >= 400:
        assert answer["kind"] == "Status" and answer["code"] == status
