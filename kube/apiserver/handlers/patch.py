"""PATCH in its four flavours: merge, JSON (RFC 6902), strategic merge, and server-side apply.

The patch is applied to the current object inside `update_object`, so a lost
compare-and-swap re-applies it to the fresh object; a patch that does not apply
is a 422 and leaves the store untouched, one that would nest past the limit a 400.
Unknown fields (handlers/field_validation.py) are pruned from the patched object,
or, for apply, from the applied configuration, so field ownership never records them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.api.depth import TooDeep
from kube.api.errors import StatusError, bad_request, invalid_object, unsupported_media_type
from kube.api.errors import required as field_required
from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.handlers import encoding
from kube.apiserver.handlers.encoding import dry_run, json_response, media_type, read_body
from kube.apiserver.handlers.field_validation import FieldValidation
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.lifecycle import check_identity
from kube.apiserver.storage.write_path import update_object


def _patch_failed(kind: KindInfo, name: str, exc: Exception) -> StatusError:
    return StatusError(422, "Invalid", f'{kind.kind} "{name}" is invalid: the patch could not be applied: {exc}',
                       {"name": name, "kind": kind.plural, "group": kind.group,
                        "causes": [{"reason": "FieldValueInvalid", "message": str(exc), "field": "patch"}]})


def make_patcher(kind: KindInfo, name: str, content_type: str, raw: bytes, manager: str, force: bool,
                 fields: FieldValidation | None = None) -> Any:
    """A function current-object -> patched object for update_object, by the patch's media type."""
    from kube.api import patch as patches

    mt = media_type(content_type)
    if mt not in encoding.PATCH_TYPES:
        raise unsupported_media_type(content_type)
    body = encoding.decode(raw, content_type)
    if mt == encoding.JSON_PATCH:
        if not isinstance(body, list):
            raise bad_request("a JSON patch must be a list of operations")
    elif not isinstance(body, dict):
        raise bad_request(f"a {mt} body must be a JSON object")
    if mt == encoding.APPLY_PATCH:
        if not manager:
            raise invalid_object("PatchOptions", "", [field_required("fieldManager", "is required for apply patch")],
                                 "meta.k8s.io")
        missing = [f for f in ("apiVersion", "kind") if not body.get(f)]
        if missing:
            raise bad_request(f"invalid object: {', '.join(missing)} must be set for apply")
        if fields is not None:
            fields.check(body)

    def apply(current: Obj | None) -> Obj:
        try:
            if mt == encoding.JSON_PATCH:
                result = patches.apply_json_patch(current, body)
            elif mt == encoding.MERGE_PATCH:
                result = patches.apply_merge_patch(current, body)
            elif mt == encoding.STRATEGIC_PATCH:
                result = patches.apply_strategic_merge_patch(current, body, kind.kind)
            else:
                result = patches.server_side_apply(current, body, kind.kind, manager)
        except patches.PatchError as exc:
            raise _patch_failed(kind, name, exc) from None
        except TooDeep as exc:
            raise bad_request(f"the patch could not be applied: {exc}") from None
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            raise _patch_failed(kind, name, exc) from None
        if not isinstance(result, dict) or not isinstance(result.get("metadata", {}), dict):
            raise _patch_failed(kind, name, "the result is not an object")
        return result

    return apply


async def patch(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    kind = info.kind
    raw = await read_body(request, state.config.max_body_bytes)
    content_type = request.headers.get("Content-Type", "")
    q = request.query
    force = q.get("force", "").lower() in ("true", "1")
    fields = FieldValidation(request)
    patcher = make_patcher(kind, info.name, content_type, raw, q.get("fieldManager", ""), force, fields)
    is_apply = media_type(content_type) == encoding.APPLY_PATCH

    def transform(current: Obj | None) -> Obj:
        result = check_identity(kind, patcher(current), info.namespace, info.name)
        return result if is_apply else fields.check(result)  # apply's configuration was checked already

    obj, created = await update_object(state, kind, info.namespace, info.name, transform,
                                       subresource=info.subresource, allow_create=is_apply and not info.subresource,
                                       dry_run=dry_run(request))
    return fields.respond(json_response(obj, 201 if created else 200))
