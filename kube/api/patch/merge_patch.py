"""JSON merge patch (RFC 7386): objects merge recursively, null deletes, anything else replaces.

The merge recurses as deep as the patch goes, so the patch's depth is checked
first (kube/api/depth.py): a 1,000-level patch is a TooDeep, not a RecursionError.
"""

from __future__ import annotations

import copy
from typing import Any

from kube.api.depth import check_depth
from kube.api.patch.json_equality import json_equal


def apply_merge_patch(original: Any, patch: Any) -> Any:
    """The result of applying `patch` to `original`; neither input is modified. TooDeep past the limit."""
    check_depth(patch)
    return _merge(original, patch)


def _merge(original: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result


def create_merge_patch(original: Any, modified: Any) -> Any:
    """The smallest merge patch that turns `original` into `modified` (nulls in `modified` excepted)."""
    if not isinstance(original, dict) or not isinstance(modified, dict):
        return copy.deepcopy(modified)
    patch: dict[str, Any] = {}
    for key in original:
        if key not in modified:
            patch[key] = None
    for key, value in modified.items():
        if key not in original:
            patch[key] = copy.deepcopy(value)
        elif not json_equal(original[key], value):
            patch[key] = create_merge_patch(original[key], value)
    return patch
