"""Maps the store's string keys onto etcd byte keys under an optional prefix.

Several stores (API servers of different clusters, or tests) can share one etcd
without seeing each other's keys: every key is stored as prefix + key, and
every range is bounded to the prefix.
"""

from __future__ import annotations

from kube.store.etcd.proto import kv_pb2
from kube.store.protocol import KeyValue

ALL_KEYS_FROM = b"\x00"  # etcd: a range_end of "\0" means "every key >= key"


def prefix_range_end(prefix: bytes) -> bytes:
    """The smallest key greater than every key starting with prefix (etcd's GetPrefixRangeEnd)."""
    end = bytearray(prefix)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return ALL_KEYS_FROM  # prefix is empty or all 0xff: no upper bound


class KeySpace:
    """The slice of etcd's key space this store owns."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._prefix_bytes = prefix.encode()

    def encode(self, key: str) -> bytes:
        if not key:
            raise ValueError("empty key")
        return self._prefix_bytes + key.encode()

    def decode(self, raw: bytes) -> str:
        return raw[len(self._prefix_bytes):].decode()

    def prefix_bounds(self, prefix: str, start_after: str = "") -> tuple[bytes, bytes]:
        """[key, range_end) for keys starting with prefix and strictly after start_after."""
        low = self._prefix_bytes + prefix.encode()
        end = prefix_range_end(low)
        if not low:
            low = ALL_KEYS_FROM
        if start_after:
            after = self._prefix_bytes + start_after.encode() + b"\x00"  # the next key after it
            low = max(low, after)
        return low, end

    def to_key_value(self, kv: kv_pb2.KeyValue) -> KeyValue:
        return KeyValue(
            key=self.decode(kv.key),
            value=kv.value,
            create_revision=kv.create_revision,
            mod_revision=kv.mod_revision,
            lease=kv.lease,
        )
