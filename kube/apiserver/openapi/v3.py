"""/openapi/v3: the documents `kubectl apply` reads before it sends anything.

kubectl lets the server validate (`fieldValidation=Strict`) only if the PATCH
operation of the kind, in the group-version's document, carries
`x-kubernetes-group-version-kind` and a `fieldValidation` query parameter;
otherwise it validates on the client against these schemas. The patch
operation deliberately does not list `application/strategic-merge-patch+json`
as a body type: kubectl then computes its strategic merge patches from its
built-in Kubernetes types (exact merge keys), and still sends them as
strategic merge patches, which the server accepts.

The component schemas are Kubernetes' own (kube/api/schemas, descriptions
included, through openapi/components.py): `kubectl explain` reads them down to
every leaf field. Paths are generated from kube/api/registry.py; everything is
cached, the registry being fixed for the life of the process.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from kube import __version__
from kube.api.registry import KINDS, KindInfo, groups
from kube.apiserver.openapi.components import v3_components
from kube.apiserver.openapi.schemas import META, ref, schema_name

_GROUP_TITLES = {"": "Core", "apps": "Apps", "coordination.k8s.io": "Coordination", "policy": "Policy",
                 "autoscaling": "Autoscaling", "certificates.k8s.io": "Certificates",
                 "flowcontrol.apiserver.k8s.io": "FlowcontrolApiserver"}

# subresource -> (the kind of its body and answer, HTTP methods)
_SUBRESOURCE_KINDS = {
    "scale": (("autoscaling", "v1", "Scale"), ("get", "put", "patch")),
    "binding": (("", "v1", "Binding"), ("post",)),
    "eviction": (("policy", "v1", "Eviction"), ("post",)),
}
_JSON_TYPES = ("application/json", "application/yaml")
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")


def _query(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": kind, "uniqueItems": True}}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": f"{name} of the object",
            "schema": {"type": "string", "uniqueItems": True}}


_PRETTY = _query("pretty", "If 'true', then the output is pretty printed.")
_DRY_RUN = _query("dryRun", "When present, indicates that modifications should not be persisted. "
                  "Valid values are: - All: all dry run stages will be processed")
_FIELD_MANAGER = _query("fieldManager", "fieldManager is a name associated with the actor or entity that is "
                        "making these changes.")
_FIELD_VALIDATION = _query("fieldValidation", "fieldValidation instructs the server on how to handle objects in "
                           "the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, "
                           "Strict.")
_FORCE = _query("force", "Force is going to \"force\" Apply requests.", "boolean")
_LIST_PARAMS = [
    _query("labelSelector", "A selector to restrict the list of returned objects by their labels."),
    _query("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
    _query("limit", "limit is a maximum number of responses to return for a list call.", "integer"),
    _query("continue", "The continue option should be set when retrieving more results from the server."),
    _query("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be "
           "served from."),
    _query("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list "
           "calls."),
    _query("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
    _query("watch", "Watch for changes to the described resources.", "boolean"),
    _query("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean"),
    _query("sendInitialEvents", "`sendInitialEvents=true` may be set together with `watch=true`.", "boolean"),
]
_DELETE_PARAMS = [
    _DRY_RUN,
    _query("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
    _query("propagationPolicy", "Whether and how garbage collection will be performed: Orphan, Background "
           "or Foreground."),
]


def _content(schema: dict[str, Any], types: tuple[str, ...] = _JSON_TYPES) -> dict[str, Any]:
    return {t: {"schema": schema} for t in types}


def _responses(schema: dict[str, Any], *codes: str) -> dict[str, Any]:
    out = {code: {"description": {"200": "OK", "201": "Created", "202": "Accepted"}[code],
                  "content": _content(schema)} for code in codes}
    out["401"] = {"description": "Unauthorized"}
    return out


class _Ops:
    """Builds the operations of one resource path, named and tagged as Kubernetes names them."""

    def __init__(self, kind: KindInfo) -> None:
        self.kind = kind
        self.prefix = f"{_GROUP_TITLES.get(kind.group, kind.group.title())}{kind.version.title()}"
        self.tag = f"{(kind.group or 'core').split('.')[0]}_{kind.version}"

    def op(self, verb: str, action: str, name: str, gvk: tuple[str, str, str], params: list[dict[str, Any]],
           responses: dict[str, Any], body: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tags": [self.tag],
            "description": f"{verb} {name}",
            "operationId": f"{verb}{self.prefix}{name}",
            "parameters": params,
            "responses": responses,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": {"group": gvk[0], "kind": gvk[2], "version": gvk[1]},
        }
        if body is not None:
            out["requestBody"] = body
        return out


def _write_params(patch: bool = False) -> list[dict[str, Any]]:
    params = [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION]
    return [*params, _FORCE] if patch else params


def _object_ops(ops: _Ops, name: str, gvk: tuple[str, str, str], schema: dict[str, Any],
                methods: tuple[str, ...]) -> dict[str, Any]:
    """get/put/patch/delete/post on a single object (or a subresource of one)."""
    item: dict[str, Any] = {}
    if "get" in methods:
        item["get"] = ops.op("read", "get", name, gvk, [], _responses(schema, "200"))
    if "put" in methods:
        item["put"] = ops.op("replace", "put", name, gvk, _write_params(), _responses(schema, "200", "201"),
                             {"content": _content(schema), "required": True})
    if "patch" in methods:
        item["patch"] = ops.op("patch", "patch", name, gvk, _write_params(patch=True),
                               _responses(schema, "200", "201"),
                               {"content": _content(ref(META + "Patch"), _PATCH_TYPES), "required": True})
    if "delete" in methods:
        item["delete"] = ops.op("delete", "delete", name, gvk, _DELETE_PARAMS,
                                _responses(schema, "200", "202"),
                                {"content": _content(ref(META + "DeleteOptions"))})
    if "post" in methods:
        item["post"] = ops.op("create", "post", name, gvk, _write_params(), _responses(schema, "200", "201", "202"),
                              {"content": _content(schema), "required": True})
    return item


def _resource_paths(kind: KindInfo) -> dict[str, Any]:
    ops = _Ops(kind)
    gvk = (kind.group, kind.version, kind.kind)
    schema = ref(schema_name(*gvk))
    list_ref = ref(schema_name(kind.group, kind.version, kind.list_kind_name))
    base = f"/api/{kind.version}" if not kind.group else f"/apis/{kind.group}/{kind.version}"
    scope = "Namespaced" if kind.namespaced else ""
    collection = f"{base}/namespaces/{{namespace}}/{kind.plural}" if kind.namespaced else f"{base}/{kind.plural}"
    scope_params = [_path_param("namespace")] if kind.namespaced else []
    paths: dict[str, Any] = {}

    coll: dict[str, Any] = {"parameters": [*scope_params, _PRETTY]}
    if "list" in kind.verbs:
        coll["get"] = ops.op("list", "list", f"{scope}{kind.kind}", gvk, _LIST_PARAMS, _responses(list_ref, "200"))
    if "create" in kind.verbs:
        coll["post"] = ops.op("create", "post", f"{scope}{kind.kind}", gvk, _write_params(),
                              _responses(schema, "200", "201", "202"), {"content": _content(schema), "required": True})
    if "deletecollection" in kind.verbs:
        coll["delete"] = ops.op("deletecollection", "deletecollection", f"Collection{scope}{kind.kind}", gvk,
                                [*_DELETE_PARAMS, *_LIST_PARAMS], _responses(ref(META + "Status"), "200"),
                                {"content": _content(ref(META + "DeleteOptions"))})
    paths[collection] = coll

    methods = tuple(m for v, m in (("get", "get"), ("update", "put"), ("patch", "patch"), ("delete", "delete"))
                    if v in kind.verbs)
    item = _object_ops(ops, f"{scope}{kind.kind}", gvk, schema, methods)
    item["parameters"] = [_path_param("name"), *scope_params, _PRETTY]
    paths[f"{collection}/{{name}}"] = item

    if kind.namespaced and "list" in kind.verbs:
        paths[f"{base}/{kind.plural}"] = {
            "parameters": [_PRETTY],
            "get": ops.op("list", "list", f"{kind.kind}ForAllNamespaces", gvk, _LIST_PARAMS,
                          _responses(list_ref, "200")),
        }

    for sub in kind.subresources:
        title = sub.title()
        if sub == "status":
            sub_item = _object_ops(ops, f"{scope}{kind.kind}Status", gvk, schema, ("get", "put", "patch"))
        elif sub == "finalize":
            sub_item = _object_ops(ops, f"{scope}{kind.kind}Finalize", gvk, schema, ("put",))
        elif sub == "approval":  # a CSR's conditions, the object itself in and out
            sub_item = _object_ops(ops, f"{scope}{kind.kind}Approval", gvk, schema, ("get", "put", "patch"))
        elif sub == "log":
            sub_item = {"get": ops.op("read", "connect", f"{scope}{kind.kind}Log", gvk,
                                      [_query("container", "The container for which to stream logs."),
                                       _query("follow", "Follow the log stream of the pod.", "boolean"),
                                       _query("tailLines", "Lines from the end of the logs to show.", "integer")],
                                      {"200": {"description": "OK", "content": {"text/plain": {"schema": {
                                          "type": "string"}}}}, "401": {"description": "Unauthorized"}})}
        elif sub in _SUBRESOURCE_KINDS:
            sub_gvk, sub_methods = _SUBRESOURCE_KINDS[sub]
            sub_item = _object_ops(ops, f"{scope}{kind.kind}{title}", sub_gvk, ref(schema_name(*sub_gvk)),
                                   sub_methods)
        else:
            continue
        sub_item["parameters"] = [_path_param("name"), *scope_params, _PRETTY]
        paths[f"{collection}/{{name}}/{sub}"] = sub_item
    return paths


def _info() -> dict[str, str]:
    return {"title": "Kubernetes", "version": f"v{__version__}"}


def _group_version_docs() -> dict[str, tuple[str, str]]:
    """path key -> (group, version) for every group-version of the registry."""
    out = {"api/v1": ("", "v1")}
    for group, versions in groups():
        for version in versions:
            out[f"apis/{group}/{version}"] = (group, version)
    return out


def _kinds_of(group: str, version: str) -> list[KindInfo]:
    return [k for k in KINDS if k.group == group and k.version == version]


def _schemas_for(group: str, version: str) -> dict[str, Any]:
    """The kinds of the group-version, their lists and subresource bodies, and what they refer to."""
    roots = [META + name for name in ("Status", "DeleteOptions", "Patch", "WatchEvent")]
    for kind in _kinds_of(group, version):
        roots += [schema_name(kind.group, kind.version, kind.kind),
                  schema_name(kind.group, kind.version, kind.list_kind_name)]
        roots += [schema_name(*_SUBRESOURCE_KINDS[sub][0]) for sub in kind.subresources if sub in _SUBRESOURCE_KINDS]
    return v3_components(roots)


def _discovery_doc(path: str, operation_id: str, description: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": _info(),
        "paths": {path: {"get": {"tags": ["core" if path.startswith("/api/") else "apis"],
                                 "description": description, "operationId": operation_id,
                                 "responses": {"200": {"description": "OK", "content": _content(_OPEN_SCHEMA)},
                                               "401": {"description": "Unauthorized"}}}}},
        "components": {"schemas": {}},
    }


_OPEN_SCHEMA = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


@functools.cache
def _documents() -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {
        "api": _discovery_doc("/api/", "getCoreAPIVersions", "get available API versions"),
        "apis": _discovery_doc("/apis/", "getAPIVersions", "get available API versions"),
    }
    for key, (group, version) in _group_version_docs().items():
        paths: dict[str, Any] = {}
        for kind in _kinds_of(group, version):
            paths.update(_resource_paths(kind))
        docs[key] = {"openapi": "3.0.0", "info": _info(), "paths": paths,
                     "components": {"schemas": _schemas_for(group, version)}}
        if group:
            title = _GROUP_TITLES.get(group, group.title())
            docs[f"apis/{group}"] = _discovery_doc(f"/apis/{group}/", f"get{title}APIGroup",
                                                   "get information of a group")
    return docs


def _hash(doc: dict[str, Any]) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()


@functools.cache
def root_document() -> dict[str, Any]:
    """GET /openapi/v3: every document with a URL that changes when the document does."""
    return {"paths": {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={_hash(doc)}"}
                      for key, doc in _documents().items()}}


def group_document(group_version: str) -> dict[str, Any] | None:
    """GET /openapi/v3/<key>: key as in the root's paths (`api/v1`, `apis/apps/v1`); None if unknown.

    Plain group-versions (`v1`, `apps/v1`) are accepted too.
    """
    key = group_version.strip("/")
    docs = _documents()
    if key in docs:
        return docs[key]
    if key == "v1":
        return docs.get("api/v1")
    return docs.get(f"apis/{key}")
