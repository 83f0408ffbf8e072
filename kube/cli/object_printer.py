"""`-o yaml|json|name` output: whole objects, or a `List` when there are several."""

from __future__ import annotations

import json
from typing import Any

import yaml

from kube.api.registry import KindInfo
from kube.cli.kinds import ref


def as_list(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": objects, "metadata": {"resourceVersion": ""}}


def render(doc: dict[str, Any], output: str) -> str:
    if output == "json":
        return json.dumps(doc, indent=4, ensure_ascii=False)
    return yaml.safe_dump(doc, default_flow_style=False, sort_keys=True, allow_unicode=True).rstrip("\n")


def render_objects(objects: list[dict[str, Any]], output: str, single: bool) -> str:
    """One object as itself when one was asked for by name; otherwise a List (as kubectl)."""
    if single and len(objects) == 1:
        return render(objects[0], output)
    return render(as_list(objects), output)


def with_type(kind: KindInfo, obj: dict[str, Any]) -> dict[str, Any]:
    """List items come without apiVersion/kind; printed objects must carry them."""
    if obj.get("kind") and obj.get("apiVersion"):
        return obj
    return {"apiVersion": kind.api_version, "kind": kind.kind, **obj}


def name_line(kind: KindInfo, obj: dict[str, Any]) -> str:
    return ref(kind, (obj.get("metadata") or {}).get("name", ""))
