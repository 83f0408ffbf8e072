"""Nothing under kube/ imports upward: every import (top of module, inside functions, under
TYPE_CHECKING) is checked against the layer table of ARCHITECTURE.md.

    cli/ bench/ local/                           the tools on top (may use one another)
    scheduler/ controllers/ node/ proxy/ dns/    components: never one another, never the API server
    apiserver/                                   the only component that touches store/
    component/  client/  store/  api/  _fast/    each only what lies below it

ruff's TID251 bans a module for the whole tree, not per package, so the table is checked here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KUBE = Path(__file__).resolve().parent.parent / "kube"

TOOLS = ("cli", "bench", "local", "__main__")
COMPONENTS = ("scheduler", "controllers", "node", "proxy", "dns")
# bottom to top: a package may import those of lower rank (and its own)
RANK = {"_fast": 0, "api": 1, "store": 2, "client": 3, "component": 4, "apiserver": 5,
        **dict.fromkeys(COMPONENTS, 6), **dict.fromkeys(TOOLS, 7)}
STORE_USERS = {"apiserver", *TOOLS}  # only the API server (and the tools that start one) touch store/


def layer(module: str) -> str | None:
    """`kube.scheduler.queue` -> "scheduler"; the bare `kube` package (its version) -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "kube" and len(parts) > 1 else None


def why_not(importer: str, imported: str) -> str | None:
    """Why package `importer` may not import `imported` (None when it may)."""
    if imported not in RANK:
        return f"kube.{imported} is not in the layer table (add it to tests/test_layers.py)"
    if importer == imported:
        return None
    if imported == "store" and importer not in STORE_USERS:
        return "only kube.apiserver touches kube.store; other parts go through the API"
    if importer in COMPONENTS and imported in COMPONENTS:
        return "components never import one another: they meet through the API"
    if RANK[imported] < RANK[importer] or (importer in TOOLS and imported in TOOLS):
        return None
    return f"kube.{importer} sits below kube.{imported}: an import may only point down"


def module_name(path: Path) -> str:
    rel = path.relative_to(KUBE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in `source`, relative ones resolved."""
    out: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "kube":  # `from kube import scheduler` names the package imported
                out.extend((node.lineno, "kube" if alias.name == "__version__" else f"kube.{alias.name}")
                           for alias in node.names)
                continue
            out.append((node.lineno, target))
    return out


def violations(path: Path, source: str) -> list[str]:
    module = module_name(path)
    importer = layer(module)
    if importer is None:
        return []
    found = []
    for line, target in imported_modules(source, module, path.name == "__init__.py"):
        if target == "kube" and importer == "_fast":
            found.append(f"{path.relative_to(KUBE.parent)}:{line}: kube._fast imports kube: _fast knows nothing of kube")
            continue
        imported = layer(target)
        if imported is None:
            continue
        reason = why_not(importer, imported)
        if reason:
            found.append(f"{path.relative_to(KUBE.parent)}:{line}: imports {target}: {reason}")
    return found


def sources() -> list[Path]:
    return sorted(p for p in KUBE.rglob("*.py") if "proto" not in p.relative_to(KUBE).parts)


def test_every_package_is_in_the_table() -> None:
    packages = {p.name for p in KUBE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - set(RANK) == set(), "add the new package to RANK in tests/test_layers.py"


def test_no_import_points_up() -> None:
    found = [v for path in sources() for v in violations(path, path.read_text())]
    assert not found, "upward or sideways imports:\n" + "\n".join(found)


@pytest.mark.parametrize(("path", "source", "expected"), [
    ("scheduler/queue.py", "import kube.cli.main", "kube.scheduler sits below kube.cli"),
    ("scheduler/queue.py", "def f():\n    from kube.controllers import replicaset", "components never import"),
    ("proxy/proxier.py", "from kube.store.sqlite import SqliteStore", "only kube.apiserver touches kube.store"),
    ("apiserver/server.py", "from ..scheduler import queue", "kube.apiserver sits below kube.scheduler"),
    ("client/rest.py", "from kube import component", "kube.client sits below kube.component"),
    ("api/meta.py", "from kube.store import Store", "only kube.apiserver touches kube.store"),
    ("_fast/score_py.py", "from kube import __version__", "_fast knows nothing of kube"),
    ("component/flags.py", "from kube.nowhere import x", "not in the layer table"),
])
def test_upward_imports_are_named_with_file_and_line(path: str, source: str, expected: str) -> None:
    found = violations(KUBE / path, "\n" * 4 + source)
    assert len(found) == 1 and expected in found[0] and found[0].startswith(f"kube/{path}:")


@pytest.mark.parametrize(("path", "source"), [
    ("scheduler/queue.py", "from kube.client.informer import Informer\nfrom kube.api.labels import parse"),
    ("scheduler/plugins/fit.py", "from .. import framework\nfrom ...component import run_daemon"),
    ("apiserver/server.py", "from kube.store import Store\nfrom kube import __version__"),
    ("cli/main.py", "from kube.bench import command\nfrom kube.local import up\nimport kube.scheduler"),
    ("_fast/__init__.py", "from kube._fast import score_py\nimport importlib"),
])
def test_downward_imports_pass(path: str, source: str) -> None:
    assert violations(KUBE / path, source) == []
