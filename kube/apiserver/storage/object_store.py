"""API objects <-> the key-value Store.

Objects are stored as JSON without `metadata.resourceVersion`: the version is
the key's mod revision, set on the way out, exactly as Kubernetes does over etcd.
Store errors become Kubernetes Status errors here, so handlers never see them.
"""

from __future__ import annotations

from typing import Any

import orjson

from kube.api.errors import StatusError, already_exists, conflict, gone, not_found, too_large
from kube.api.field_order import go_object_meta
from kube.api.held_objects import hold
from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.storage.encrypted_store import StaleKeyValue, UnreadableKeyValue
from kube.store.errors import (
    CompactedError,
    KeyExistsError,
    KeyNotFoundError,
    RequestTooLargeError,
    RevisionMismatchError,
    StoreError,
    UnavailableError,
)
from kube.store.protocol import KeyValue, RangeResult, Store

MODIFIED_MESSAGE = "the object has been modified; please apply your changes to the latest version and try again"


def encode(obj: Obj) -> bytes:
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "resourceVersion" in meta:
        meta = dict(meta)
        del meta["resourceVersion"]
        obj = {**obj, "metadata": meta}
    return orjson.dumps(obj)


def decode(kv: KeyValue) -> Obj:
    """The object at kv; 500 InternalError naming its key when the stored value is unreadable."""
    try:
        obj = orjson.loads(kv.value)
        meta = obj["metadata"]
        meta["resourceVersion"] = str(kv.mod_revision)
        obj["metadata"] = go_object_meta(meta)  # resourceVersion in its place, as Kubernetes writes it
        # last: the watch cache holds it (kube/api/held_objects.py), and putting a dict into
        # a dict (the metadata above) has CPython track the outer one again
        hold(obj)
    except (orjson.JSONDecodeError, KeyError, TypeError):
        reason = kv.reason if isinstance(kv, UnreadableKeyValue) else "the stored value is not an object"
        raise StatusError(500, "InternalError", f'Internal error occurred: unable to transform key "{kv.key}": '
                          f"{reason}", {"causes": [{"message": reason}]}) from None
    return obj


def parse_rv(text: str) -> int:
    """A resourceVersion from a client: opaque to them, a revision to us."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise StatusError(400, "BadRequest", f'invalid resource version "{text}"') from None
    if value < 0:
        raise StatusError(400, "BadRequest", f'invalid resource version "{text}"')
    return value


class ObjectStore:
    """Typed access to the Store for one API server: keys from KindInfo, errors as Status."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._stale: dict[str, int] = {}  # key -> the revision read with an old encryption key

    async def get(self, kind: KindInfo, namespace: str, name: str) -> Obj | None:
        kv = await self._call(self.store.get(kind.key(namespace, name)))
        if isinstance(kv, StaleKeyValue):
            self._stale[kv.key] = kv.mod_revision
        elif kv is not None and self._stale:
            self._stale.pop(kv.key, None)
        return decode(kv) if kv is not None else None

    def needs_rewrite(self, kind: KindInfo, obj: Obj) -> bool:
        """Stored under an old key or unencrypted: an update without changes still writes it
        (as Kubernetes' etcd3 store does for stale transformer reads)."""
        meta = obj["metadata"]
        return self._stale.get(kind.key(meta.get("namespace"), meta["name"])) == int(meta["resourceVersion"])

    async def must_get(self, kind: KindInfo, namespace: str, name: str) -> Obj:
        obj = await self.get(kind, namespace, name)
        if obj is None:
            raise not_found(kind.plural, name, kind.group)
        return obj

    async def create(self, kind: KindInfo, obj: Obj, *, lease: int = 0) -> Obj:
        meta = obj["metadata"]
        try:
            kv = await self._call(self.store.create(kind.key(meta.get("namespace"), meta["name"]), encode(obj),
                                                    lease=lease))
        except KeyExistsError:
            raise already_exists(kind.plural, meta["name"], kind.group) from None
        meta["resourceVersion"] = str(kv.mod_revision)
        return obj

    async def update(self, kind: KindInfo, obj: Obj, expected_revision: int, *,
                     lease: int = 0) -> Obj:
        """Compare-and-swap on the mod revision; 409 Conflict when it moved, 404 when gone."""
        meta = obj["metadata"]
        try:
            kv = await self._call(self.store.update(kind.key(meta.get("namespace"), meta["name"]), encode(obj),
                                                    expected_revision=expected_revision, lease=lease))
        except RevisionMismatchError:
            raise conflict(kind.plural, meta["name"], MODIFIED_MESSAGE, kind.group) from None
        except KeyNotFoundError:
            raise not_found(kind.plural, meta["name"], kind.group) from None
        meta["resourceVersion"] = str(kv.mod_revision)
        return obj

    async def delete(self, kind: KindInfo, namespace: str, name: str, expected_revision: int = 0) -> Obj:
        try:
            kv = await self._call(self.store.delete(kind.key(namespace, name), expected_revision=expected_revision))
        except RevisionMismatchError:
            raise conflict(kind.plural, name, MODIFIED_MESSAGE, kind.group) from None
        except KeyNotFoundError:
            raise not_found(kind.plural, name, kind.group) from None
        return decode(kv)

    async def range(self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0) -> RangeResult:
        return await self._call(self.store.range(prefix, start_after=start_after, limit=limit, revision=revision))

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except RequestTooLargeError:
            raise too_large() from None
        except CompactedError as exc:
            raise gone(f"The resourceVersion for the provided list is too old (compacted at {exc.compact_revision})") from None
        except UnavailableError as exc:
            raise StatusError(503, "ServiceUnavailable", f"the storage backend is unavailable: {exc}") from None
        except (KeyExistsError, KeyNotFoundError, RevisionMismatchError):
            raise  # the caller's to answer: they mean 409 or 404 for its kind
        except StoreError as exc:
            # any other store failure (a full disk, a closed store, an etcd error) is the
            # server's fault, answered as Kubernetes does: 500 InternalError naming the cause
            raise StatusError(500, "InternalError", f"an error on the server ({exc}) has prevented the request "
                              "from succeeding") from None
