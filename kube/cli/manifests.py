"""Reading manifests: files, directories (recursively) or stdin; multi-document YAML
and JSON; `kind: List` flattened. Errors name the file and line.

YAML goes through kube/api/yaml_decode.py, the API server's own decoder: the
same alias budget and nesting limit, timestamps kept as strings."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kube.api.depth import TooDeep, check_depth
from kube.api.yaml_decode import YamlError, load_all
from kube.cli.errors import CliError

EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass
class Manifest:
    source: str  # file name, or "STDIN"
    obj: dict[str, Any]


def load(paths: list[str]) -> list[Manifest]:
    manifests: list[Manifest] = []
    for path in paths:
        for source, text in _read(path):
            manifests.extend(parse(text, source))
    return manifests


def _read(path: str) -> list[tuple[str, str]]:
    if path == "-":
        return [("STDIN", sys.stdin.read())]
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in EXTENSIONS)
        return [(str(f), _read_file(f)) for f in files]
    if not p.exists():
        raise CliError(f'the path "{path}" does not exist')
    return [(path, _read_file(p))]


def _read_file(path: Path) -> str:
    try:
        return path.read_text()
    except UnicodeDecodeError:
        raise CliError(f"error reading {path}: not a text file") from None
    except OSError as exc:
        raise CliError(f"error reading {path}: {exc.strerror}") from None


def parse(text: str, source: str) -> list[Manifest]:
    """Every object in one file's text."""
    if source.endswith(".json") or text.lstrip().startswith(("{", "[")):
        docs = _json_documents(text, source)
    else:
        docs = _yaml_documents(text, source)
    manifests: list[Manifest] = []
    for index, doc in enumerate(docs):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise CliError(f"error parsing {source}: document {index + 1} is a {type(doc).__name__}, "
                           "not an object")
        if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
            manifests.extend(Manifest(source, item) for item in doc["items"] if isinstance(item, dict))
        else:
            manifests.append(Manifest(source, doc))
    return manifests


def _yaml_documents(text: str, source: str) -> list[Any]:
    try:
        return load_all(text)
    except YamlError as exc:
        where = f" line {exc.line}" if exc.line is not None else ""
        raise CliError(f"error parsing {source}:{where}: {exc.problem}") from None


def _json_documents(text: str, source: str) -> list[Any]:
    """One JSON value, or several concatenated (as `kubectl get -o json` output streams)."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise CliError(f"error parsing {source}: line {exc.lineno}: {exc.msg}") from None
        except RecursionError:
            raise CliError(f"error parsing {source}: {TooDeep()}") from None
        try:
            check_depth(doc)
        except TooDeep as exc:
            raise CliError(f"error parsing {source}: {exc}") from None
        docs.append(doc)
