"""Request bodies in, JSON responses out.

orjson both ways (the hot path of every request); YAML only when the client
sends it, through kube/api/yaml_decode.py (aliases on a budget); Kubernetes
protobuf for kubectl's typed clients (kube/apiserver/protobuf/). Whatever the
format, the decoded body is held to the one nesting limit (kube/api/depth.py)
before anything walks it. Every decoding failure is a 400 Status, never a traceback.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from kube.api.depth import TooDeep, check_depth
from kube.api.errors import StatusError, bad_request, too_large, unsupported_media_type
from kube.api.field_order import go_order
from kube.api.go_json import html_safe
from kube.api.meta import Obj
from kube.api.yaml_decode import YamlError, load_all
from kube.apiserver import protobuf

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_PATCH, APPLY_PATCH)
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", APPLY_PATCH)
_JSON_TYPES = ("", JSON, "text/json", "text/plain", "application/octet-stream", "*/*")


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def decode(raw: bytes, content_type: str) -> Any:
    """The body as Python data; JSON unless the media type says YAML. 400 past the nesting limit."""
    body = _decode(raw, content_type)
    try:
        check_depth(body)
    except TooDeep as exc:
        raise bad_request(f"error decoding the request body: {exc}") from None
    return body


def _decode(raw: bytes, content_type: str) -> Any:
    mt = media_type(content_type)
    if not raw.strip():
        raise bad_request("the request body is empty; an object is required")
    if mt in _YAML_TYPES:
        return _yaml(raw)
    if mt in _JSON_TYPES or mt.endswith("+json") or mt.endswith("/json"):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"error decoding the request body as JSON: {exc}") from None
    if mt == protobuf.MEDIA_TYPE:
        return _protobuf(raw)
    raise unsupported_media_type(content_type)


def _protobuf(raw: bytes) -> Any:
    try:
        return protobuf.decode_object(raw)
    except protobuf.UnsupportedKind as exc:
        raise StatusError(415, "UnsupportedMediaType", str(exc)) from None
    except protobuf.ProtobufError as exc:
        raise bad_request(f"error decoding the request body as protobuf: {exc}") from None


def _yaml(raw: bytes) -> Any:
    try:
        docs = [d for d in load_all(raw) if d is not None]
    except YamlError as exc:
        raise bad_request(f"error decoding the request body as YAML: {exc}") from None
    if len(docs) != 1:
        raise bad_request(f"the request body must hold exactly one YAML document, got {len(docs)}")
    return docs[0]


def decode_object(raw: bytes, content_type: str) -> Obj:
    body = decode(raw, content_type)
    if not isinstance(body, dict):
        raise bad_request(f"the request body must be a JSON object, got {type(body).__name__}")
    return body


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON as Kubernetes' encoder writes it: Go's field order, Go's HTML-safe escapes and a
    closing newline."""
    return web.Response(body=html_safe(orjson.dumps(go_order(body), option=orjson.OPT_APPEND_NEWLINE)), status=status,
                        content_type=JSON, headers=headers)


def raw_json_response(data: bytes, status: int = 200) -> web.Response:
    return web.Response(body=data, status=status, content_type=JSON)


def plain_json_response(body: Any, *, indent: bool = False) -> web.Response:
    """JSON that Kubernetes writes outside its object encoder, so with no closing newline:
    /version through WriteRawJSON (json.MarshalIndent, two spaces: `indent`), the OpenAPI
    documents through kube-openapi (json.Marshal)."""
    return web.Response(body=orjson.dumps(body, option=orjson.OPT_INDENT_2 if indent else None),
                        content_type=JSON)


def status_response(err: StatusError) -> web.Response:
    return json_response(err.status(), err.code, err.headers or None)


def success_status(kind: str, name: str, group: str, uid: str = "") -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def wants_table(accept: str) -> bool:
    """kubectl get asks `application/json;as=Table;v=v1;g=meta.k8s.io` first."""
    return "as=Table" in accept


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, refusing anything over the store's limit before reading it all (413)."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large(f"Request entity too large: limit is {limit}")
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise too_large(f"Request entity too large: limit is {limit}") from None


def dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for v in values:
        if v != "All":
            raise bad_request(f'dryRun: Unsupported value: "{v}": supported values: "All"')
    return bool(values)
