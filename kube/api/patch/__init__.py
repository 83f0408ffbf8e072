"""Patches: JSON merge patch, JSON patch, strategic merge patch and server-side apply."""

from kube.api.patch.apply import server_side_apply
from kube.api.patch.errors import PatchError
from kube.api.patch.json_patch import apply_json_patch
from kube.api.patch.merge_keys import strategy_for
from kube.api.patch.merge_patch import apply_merge_patch, create_merge_patch
from kube.api.patch.strategic import apply_strategic_merge_patch
from kube.api.patch.strategic_diff import create_strategic_merge_patch

__all__ = [
    "PatchError",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_strategic_merge_patch",
    "create_merge_patch",
    "create_strategic_merge_patch",
    "server_side_apply",
    "strategy_for",
]
