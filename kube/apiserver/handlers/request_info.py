"""Turning a request path into what it addresses: kind, namespace, name, subresource, verb.

One table lookup per request instead of hundreds of aiohttp routes: the kind
registry is the route table, so a kind added there is served with no change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kube.api import registry
from kube.api.errors import StatusError, not_found
from kube.api.registry import KindInfo

# streaming subresources: authorized as `create` whatever the method, as Kubernetes does since
# WebSocket exec (a GET) came in (AuthorizePodWebsocketUpgradeCreatePermission)
CONNECT_SUBRESOURCES = frozenset({"exec", "attach", "portforward"})
# (group, version) -> {plural: KindInfo}
_RESOURCES: dict[tuple[str, str], dict[str, KindInfo]] = {}
for _k in registry.KINDS:
    _RESOURCES.setdefault((_k.group, _k.version), {})[_k.plural] = _k


@dataclass(slots=True)
class RequestInfo:
    kind: KindInfo
    namespace: str  # "" for cluster-scoped kinds and all-namespaces lists
    name: str
    subresource: str
    verb: str  # get list watch create update patch delete deletecollection
    method: str


def group_versions() -> list[tuple[str, str]]:
    return list(_RESOURCES)


def resources_of(group: str, version: str) -> dict[str, KindInfo] | None:
    return _RESOURCES.get((group, version))


def _not_found_path(path: str) -> StatusError:
    return StatusError(404, "NotFound", f"the server could not find the requested resource (path {path})",
                       {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})


def is_watch(query: Mapping[str, str]) -> bool:
    """`?watch=true` (or 1): a list that is a watch."""
    return query.get("watch", "").lower() in ("true", "1")


def parse(method: str, path: str, watch_param: bool) -> RequestInfo:
    """RequestInfo for /api/v1/... and /apis/<g>/<v>/... paths; 404 Status for anything else."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise _not_found_path(path)
    table = _RESOURCES.get((group, version))
    if table is None or not rest:
        raise _not_found_path(path)
    watch = watch_param
    if rest[0] == "watch":  # legacy /watch/ paths
        watch, rest = True, rest[1:]
        if not rest:
            raise _not_found_path(path)
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] in table:
        namespace, rest = rest[1], rest[2:]
    plural = rest[0]
    kind = table.get(plural)
    if kind is None:
        raise _not_found_path(path)
    if len(rest) > 3:
        raise _not_found_path(path)
    name = rest[1] if len(rest) >= 2 else ""
    sub = rest[2] if len(rest) == 3 else ""
    if sub and sub not in kind.subresources:
        raise _not_found_path(path)
    if namespace and not kind.namespaced:
        raise _not_found_path(path)
    if kind.namespaced and name and not namespace:
        raise _not_found_path(path)
    if sub in CONNECT_SUBRESOURCES and method in ("GET", "POST"):
        return RequestInfo(kind, namespace, name, sub, "create", method)  # GET (WebSocket) needs create too
    return RequestInfo(kind, namespace, name, sub, _verb(method, bool(name), watch, path), method)


def _verb(method: str, named: bool, watch: bool, path: str) -> str:
    if method == "GET" or method == "HEAD":
        if watch:
            return "watch"
        return "get" if named else "list"
    if method == "POST":
        return "create"
    if method == "PUT" and named:
        return "update"
    if method == "PATCH" and named:
        return "patch"
    if method == "DELETE":
        return "delete" if named else "deletecollection"
    raise StatusError(405, "MethodNotAllowed", f"the server does not allow this method on the requested resource (method {method} on {path})")


def kind_not_found(kind: KindInfo, name: str) -> StatusError:
    return not_found(kind.plural, name, kind.group)
