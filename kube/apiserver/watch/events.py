"""Watch events as the cache keeps them and as clients receive them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from kube.api.field_order import go_order
from kube.api.go_json import html_safe
from kube.api.meta import Obj


@dataclass(slots=True)
class CacheEvent:
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    obj: Obj
    prev: Obj | None
    revision: int
    namespace: str = ""
    _line: bytes | None = field(default=None, repr=False)

    def line(self) -> bytes:
        """The JSON line a client reads; encoded once however many watchers receive it."""
        if self._line is None:
            self._line = html_safe(orjson.dumps({"type": self.type, "object": go_order(self.obj)})) + b"\n"
        return self._line

    def retyped(self, type_: str) -> CacheEvent:
        return CacheEvent(type_, self.obj, self.prev, self.revision, self.namespace)


def bookmark(kind: str, api_version: str, revision: int, initial_end: bool = False) -> CacheEvent:
    meta: dict[str, Any] = {"resourceVersion": str(revision)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return CacheEvent("BOOKMARK", {"kind": kind, "apiVersion": api_version, "metadata": meta}, None, revision)


def error_event(status: dict[str, Any]) -> CacheEvent:
    return CacheEvent("ERROR", status, None, 0)
