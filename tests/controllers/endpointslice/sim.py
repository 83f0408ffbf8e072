"""A fake EndpointSlice store for reconcile tests: applies actions as the API server would
(generateName, resourceVersion, defaults) so a second reconcile sees what the first wrote."""

from __future__ import annotations

import copy
import itertools

from kube.api.defaults import apply_defaults
from kube.api.validation import validate
from kube.controllers.actions import Create, Delete, Update

_names = itertools.count()


def apply(slices: dict[str, dict], actions: list) -> dict[str, dict]:
    out = dict(slices)
    for action in actions:
        if isinstance(action, Create):
            obj = apply_defaults(copy.deepcopy(action.obj))
            meta = obj["metadata"]
            meta["name"] = f"{meta.pop('generateName')}{next(_names):05d}"
            meta["resourceVersion"], meta["uid"] = "1", f"uid-{meta['name']}"
        elif isinstance(action, Update):
            obj = apply_defaults(copy.deepcopy(action.obj))
            meta = obj["metadata"]
            assert meta["name"] in out, "update of a slice that does not exist"
            assert out[meta["name"]]["addressType"] == obj["addressType"], "addressType is immutable"
            meta["resourceVersion"] = str(int(meta["resourceVersion"]) + 1)
        elif isinstance(action, Delete):
            del out[action.name]
            continue
        else:
            raise AssertionError(f"unexpected action {action!r}")
        assert validate(obj) == [], validate(obj)
        out[obj["metadata"]["name"]] = obj
    return out
