"""Secrets: `stringData` is write-only, merged into `data` on every write.

As Kubernetes' v1 conversion of a Secret: every key of `stringData` is base64-encoded into
`data`, overwriting a key already there, and `stringData` itself is never stored nor read
back. Merging before validation means the limits, the typed Secrets' required keys and
immutability are judged on the merged `data`, as there. A `stringData` that is not a map
of strings is left for validation to refuse (422).
"""

from __future__ import annotations

import base64

from kube.api.meta import Obj
from kube.apiserver.strategies.base import Strategy


def merge_string_data(secret: Obj) -> None:
    string_data = secret.get("stringData")
    data = secret.get("data")
    if string_data is None:
        secret.pop("stringData", None)
        return
    if not isinstance(string_data, dict) or not isinstance(data, dict | None):
        return
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in string_data.items()):
        return
    merged = dict(data or {})
    merged.update({k: base64.b64encode(v.encode()).decode() for k, v in string_data.items()})
    secret["data"] = merged
    del secret["stringData"]


class SecretStrategy(Strategy):
    def prepare_create(self, obj: Obj) -> None:
        merge_string_data(obj)

    def prepare_update(self, new: Obj, old: Obj) -> None:
        merge_string_data(new)
