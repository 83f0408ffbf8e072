"""Paths to (kind, namespace, name, subresource, verb): the routing table is the registry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.errors import StatusError
from kube.apiserver.handlers.request_info import parse


@pytest.mark.parametrize(("method", "path", "watch", "expected"), [
    ("GET", "/api/v1/namespaces/default/pods", False, ("Pod", "default", "", "", "list")),
    ("GET", "/api/v1/pods", False, ("Pod", "", "", "", "list")),
    ("GET", "/api/v1/pods", True, ("Pod", "", "", "", "watch")),
    ("GET", "/api/v1/watch/namespaces/ns1/pods", False, ("Pod", "ns1", "", "", "watch")),
    ("GET", "/api/v1/namespaces/default/pods/p", False, ("Pod", "default", "p", "", "get")),
    ("PUT", "/api/v1/namespaces/default/pods/p/status", False, ("Pod", "default", "p", "status", "update")),
    ("POST", "/api/v1/namespaces/default/pods/p/binding", False, ("Pod", "default", "p", "binding", "create")),
    ("GET", "/api/v1/namespaces/kube-system", False, ("Namespace", "", "kube-system", "", "get")),
    ("PUT", "/api/v1/namespaces/x/finalize", False, ("Namespace", "", "x", "finalize", "update")),
    ("PATCH", "/apis/apps/v1/namespaces/d/deployments/web/scale", False,
     ("Deployment", "d", "web", "scale", "patch")),
    ("DELETE", "/apis/apps/v1/namespaces/d/deployments", False, ("Deployment", "d", "", "", "deletecollection")),
    ("DELETE", "/api/v1/nodes/n1", False, ("Node", "", "n1", "", "delete")),
    ("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1", False,
     ("Lease", "kube-node-lease", "n1", "", "get")),
    ("GET", "/api/v1/namespaces/d/pods/p/exec", False, ("Pod", "d", "p", "exec", "create")),  # WebSocket: create
    ("POST", "/api/v1/namespaces/d/pods/p/portforward", False, ("Pod", "d", "p", "portforward", "create")),
])
def test_paths_resolve_to_request_info(method: str, path: str, watch: bool, expected: tuple[str, ...]) -> None:
    info = parse(method, path, watch)
    assert (info.kind.kind, info.namespace, info.name, info.subresource, info.verb) == expected


@pytest.mark.parametrize("path", [
    "/api/v2/pods", "/apis/apps/v2/deployments", "/api/v1/widgets", "/api/v1/namespaces/default/pods/p/proxy",
    "/api/v1/namespaces/default/nodes", "/api/v1/pods/p", "/apis/apps/v1/namespaces/d/deployments/a/b/c",
    "/nothing", "/api/v1/namespaces/default/pods/p/scale",
])
def test_unknown_paths_are_404_status(path: str) -> None:
    with pytest.raises(StatusError) as err:
        parse("GET", path, False)
    assert err.value.code == 404 and err.value.reason == "NotFound"


def test_put_on_a_collection_is_405() -> None:
    with pytest.raises(StatusError) as err:
        parse("PUT", "/api/v1/namespaces/default/pods", False)
    assert err.value.code == 405


@given(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
       st.lists(st.sampled_from(["api", "apis", "v1", "apps", "namespaces", "default", "pods", "status", "watch",
                                 "scale", "x", "", "deployments", "nodes"]), max_size=8))
def test_any_path_gives_info_or_a_status_error(method: str, parts: list[str]) -> None:
    try:
        info = parse(method, "/" + "/".join(parts), False)
    except StatusError as exc:
        assert exc.code in (404, 405)
    else:
        assert info.kind.namespaced or not info.namespace
