"""State storage: one protocol (protocol.py), an etcd and an embedded SQLite backend."""

from kube.store.errors import (
    CompactedError,
    KeyExistsError,
    KeyNotFoundError,
    RequestTooLargeError,
    RevisionMismatchError,
    StoreError,
    UnavailableError,
)
from kube.store.protocol import MAX_REQUEST_BYTES, KeyValue, RangeResult, Store, Watch, WatchEvent

__all__ = [
    "MAX_REQUEST_BYTES", "CompactedError", "KeyExistsError", "KeyNotFoundError", "KeyValue", "RangeResult",
    "RequestTooLargeError", "RevisionMismatchError", "Store", "StoreError", "UnavailableError", "Watch",
    "WatchEvent",
]
