"""Continue tokens and store-backed pages of a list.

The token has Kubernetes' shape, {"v": "meta.k8s.io/v1", "rv": R, "start": KEY},
base64-encoded: later pages are read from the store at the first page's
revision R, so a paginated list is one consistent snapshot; once R is compacted
the token is too old and the answer is 410 Expired, as in Kubernetes.
"""

from __future__ import annotations

import base64
import binascii

import orjson

from kube.api.errors import StatusError, bad_request
from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.storage.object_store import ObjectStore, decode

EXPIRED_MESSAGE = ("The provided continue parameter is too old to display a consistent list result. You can start "
                   "a new list without the continue parameter, or use the continue token in this response to "
                   "retrieve the remainder of the results. Continuing with the provided token results in an "
                   "inconsistent list - objects that were created, modified, or deleted between the time the "
                   "first chunk was returned and now may show up in the list.")


def make_token(revision: int, last_key: str) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": last_key})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str) -> tuple[int, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        revision, start = int(data["rv"]), str(data["start"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError, UnicodeError):
        raise bad_request(f"continue key is not valid: {token!r}") from None
    if data.get("v") != "meta.k8s.io/v1" or revision <= 0:
        raise bad_request(f"continue key is not valid: {token!r}")
    return revision, start


def store_key(kind: KindInfo, obj: Obj) -> str:
    """The object's key in the store: where a continue token resumes after it."""
    meta = obj["metadata"]
    return kind.key(meta.get("namespace"), meta["name"])


async def store_page(objects: ObjectStore, kind: KindInfo, flt: ObjectFilter, revision: int, start_after: str,
                     limit: int) -> tuple[list[Obj], str]:
    """Up to `limit` matching objects after `start_after` at `revision`; the next token ("" at the end)."""
    prefix = kind.key_prefix(flt.namespace or None)
    if start_after and not start_after.startswith(prefix):
        raise bad_request("continue key is not valid: it does not belong to this list")
    items: list[Obj] = []
    cursor = start_after
    while True:
        want = limit - len(items) if limit else 0
        try:
            page = await objects.range(prefix, start_after=cursor, limit=max(want, 50) if limit else 0,
                                       revision=revision)
        except StatusError as exc:
            if exc.code == 410:
                raise StatusError(410, "Expired", EXPIRED_MESSAGE) from None
            raise
        for kv in page.items:
            cursor = kv.key
            obj = decode(kv)
            if flt.matches(obj):
                items.append(obj)
                if limit and len(items) == limit:
                    more = kv is not page.items[-1] or page.more
                    return items, make_token(revision, cursor) if more else ""
        if not page.more or not page.items:
            return items, ""
