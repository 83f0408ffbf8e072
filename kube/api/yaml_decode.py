"""YAML to JSON-shaped data, with aliases on a budget and the one nesting limit.

YAML aliases let a few hundred bytes stand for billions of nodes ("billion
laughs"): PyYAML composes them as shared references, and the first walk over
the result (a copy, the encoder, validation) does the exponential work while
the event loop waits. Kubernetes' decoder (go-yaml) refuses documents with
"excessive aliasing"; we do the same, more strictly: each node carries its
expanded size, every alias adds the size of what it names to the document's
total, and past `MAX_ALIAS_NODES` the document is refused, before anything is
expanded. Real manifests use aliases to repeat an env block or a container a
few times: tens to hundreds of nodes.

The composer here reads the parser's events (libyaml when available, whose
parser keeps its own stack) and builds nodes with an explicit stack, checking
the nesting limit of kube/api/depth.py as each collection opens; PyYAML's own
composer recurses, so deep input would be a RecursionError. The nodes are then
constructed by PyYAML's SafeConstructor (merge keys `<<` included) and turned
into JSON values: string keys, timestamps kept as the text written (as the API
expects them), `!!binary` as base64 text. Every failure is a `YamlError`.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kube.api.depth import MAX_DEPTH

MAX_ALIAS_NODES = 1_000

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading, with timestamps left as strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlError(ValueError):
    """The input is not YAML we accept; `line` (1-based) when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {problem}" if line is not None else problem)
        self.problem = problem
        self.line = line


def load_all(data: str | bytes) -> list[Any]:
    """Every document of a YAML stream as JSON values (an empty document is None)."""
    loader = _Loader(data)
    try:
        return [None if node is None else _json_value(loader.construct_document(node))
                for node in _Composer(loader).documents()]
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(exc.problem or exc.context or "invalid YAML",
                        mark.line + 1 if mark is not None else None) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise YamlError(str(exc).replace("\n", " ")) from None
    finally:
        loader.dispose()


class _Composer:
    """Events to nodes with an explicit stack; counts alias expansion and nesting as it goes."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def documents(self) -> list[Node | None]:
        docs: list[Node | None] = []
        while True:
            event = self.loader.get_event()
            if isinstance(event, StreamEndEvent):
                return docs
            if isinstance(event, DocumentStartEvent):
                docs.append(self._document())

    def _document(self) -> Node | None:
        anchors: dict[str, Node] = {}
        sizes: dict[int, int] = {}
        open_anchors: set[str] = set()
        stack: list[tuple[Node, str | None, list[Node | None]]] = []  # (collection, anchor, pending key)
        aliased = 0
        root: Node | None = None
        while True:
            event = self.loader.get_event()
            if isinstance(event, DocumentEndEvent):
                return root
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            node: Node | None = None
            if isinstance(event, AliasEvent):
                if event.anchor in open_anchors:
                    raise YamlError(f"anchor {event.anchor!r} refers to itself", line)
                if event.anchor not in anchors:
                    raise YamlError(f"found undefined alias {event.anchor!r}", line)
                node = anchors[event.anchor]
                aliased += sizes[id(node)]
                if aliased > MAX_ALIAS_NODES:
                    raise YamlError(f"document contains excessive aliasing: aliases would expand to more than "
                                    f"{MAX_ALIAS_NODES} nodes", line)
            elif isinstance(event, ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
                node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
                sizes[id(node)] = 1
                if event.anchor is not None:
                    anchors[event.anchor] = node
            elif isinstance(event, SequenceStartEvent | MappingStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise YamlError(f"the document is nested more than {MAX_DEPTH} levels deep", line)
                sequence = isinstance(event, SequenceStartEvent)
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.loader.resolve(SequenceNode if sequence else MappingNode, None, event.implicit)
                cls = SequenceNode if sequence else MappingNode
                collection = cls(tag, [], event.start_mark, None, flow_style=event.flow_style)
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                stack.append((collection, event.anchor, []))
                continue
            elif isinstance(event, SequenceEndEvent | MappingEndEvent):
                node, anchor, _ = stack.pop()
                node.end_mark = event.end_mark
                children = node.value if isinstance(node, SequenceNode) else [n for pair in node.value for n in pair]
                sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
                if anchor is not None:
                    open_anchors.discard(anchor)
                    anchors[anchor] = node
            else:
                raise YamlError(f"unexpected {type(event).__name__}", line)
            if not stack:
                root = node
                continue
            parent, _, pending = stack[-1]
            if isinstance(parent, SequenceNode):
                parent.value.append(node)
            elif pending:
                parent.value.append((pending.pop(), node))
            else:
                pending.append(node)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int | float):
        return str(key)
    raise YamlError(f"a mapping key must be a scalar, got {type(key).__name__}")


def _json_value(value: Any) -> Any:
    """JSON data from constructed YAML; shared (aliased) parts become copies, bounded by the budget."""
    if isinstance(value, dict):
        return {_key(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, set):
        return {_key(k): None for k in value}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)
