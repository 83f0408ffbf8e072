"""The informer's local store: objects by "namespace/name" plus secondary indexes.

Components read from here instead of asking the API server; an index answers
"which pods are on node n1" without scanning every pod. What it holds shares its short
strings and stays out of the cyclic collector's walk (kube/api/held_objects.py): a store of
150,000 pods is mostly repeats, and millions of containers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kube.api.held_objects import hold
from kube.api.meta import Obj, join_key, object_key

IndexFunc = Callable[[Obj], list[str]]

NAMESPACE_INDEX = "namespace"


def namespace_index(obj: Obj) -> list[str]:
    namespace = (obj.get("metadata") or {}).get("namespace")
    return [namespace] if namespace else []


def field_index(path: str) -> IndexFunc:
    """An index on a dotted field, e.g. field_index("spec.nodeName") for pods by node."""
    parts = path.split(".")

    def index(obj: Obj) -> list[str]:
        value: Any = obj
        for part in parts:
            if not isinstance(value, dict):
                return []
            value = value.get(part)
        return [str(value)] if value not in (None, "") else []

    index.__name__ = f"field_index({path})"
    return index


def label_index(label: str) -> IndexFunc:
    def index(obj: Obj) -> list[str]:
        value = ((obj.get("metadata") or {}).get("labels") or {}).get(label)
        return [value] if value is not None else []

    return index


class Indexer:
    def __init__(self, indexers: dict[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: namespace_index}
        self._indices: dict[str, dict[str, set[str]]] = {NAMESPACE_INDEX: {}}
        self.add_indexers(indexers or {})

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        """Add indexes (also after objects arrived: they are indexed at once)."""
        for name, func in indexers.items():
            if name in self._indexers:
                raise ValueError(f"index {name!r} already exists")
            self._indexers[name] = func
            index: dict[str, set[str]] = {}
            for key, obj in self._items.items():
                for value in func(obj):
                    index.setdefault(value, set()).add(key)
            self._indices[name] = index

    def has_index(self, name: str) -> bool:
        return name in self._indexers

    def get(self, key: str) -> Obj | None:
        return self._items.get(key)

    def get_object(self, namespace: str | None, name: str) -> Obj | None:
        return self._items.get(join_key(namespace, name))

    def list(self) -> list[Obj]:
        return list(self._items.values())

    def keys(self) -> list[str]:
        return list(self._items)

    def by_index(self, index_name: str, value: str) -> list[Obj]:
        keys = self._index(index_name).get(value, ())
        return [self._items[k] for k in keys]

    def index_keys(self, index_name: str, value: str) -> list[str]:
        return sorted(self._index(index_name).get(value, ()))

    def index_values(self, index_name: str) -> list[str]:
        return [v for v, keys in self._index(index_name).items() if keys]

    def put(self, obj: Obj) -> Obj | None:
        """Add or replace; returns the previous object under the same key."""
        key = object_key(obj)
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = hold(obj)
        self._reindex(key, obj)
        return old

    def remove(self, key: str) -> Obj | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def replace(self, objs: Iterable[Obj]) -> None:
        self._items = {object_key(o): hold(o) for o in objs}
        for name in self._indexers:
            self._indices[name] = {}
        for key, obj in self._items.items():
            self._reindex(key, obj)

    def _index(self, name: str) -> dict[str, set[str]]:
        try:
            return self._indices[name]
        except KeyError:
            raise KeyError(f"no index named {name!r}") from None

    def _reindex(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
