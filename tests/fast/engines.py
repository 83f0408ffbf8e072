"""Both engines of a `_fast` kernel for the shared suites, and the API they must share.

The compiled engine skips when its extension is not built (`make build`) and fails instead
under CI=true, where it must be present: a CI run never passes on the twin alone.
"""

from __future__ import annotations

import inspect
from types import ModuleType

from kube._fast import load
from tests.fixtures.requirements import missing

ENGINES = ("cython", "python")


def kernel_module(kernel: str, engine: str) -> ModuleType:
    """The module of `kernel` for `engine`, or skip (fail in CI) when the extension is not built."""
    try:
        return load(kernel, engine)
    except ImportError:
        missing(f"the compiled kernel kube._fast.{kernel} (make build)")
        raise


def _parameters(fn: object) -> list[tuple[str, str, object]]:
    """Names, kinds and defaults; annotations aside (the Cython engine types in C instead)."""
    return [(p.name, p.kind.name, p.default) for p in inspect.signature(fn).parameters.values()]  # type: ignore[arg-type]


def public_api(module: ModuleType) -> dict[str, object]:
    """What a caller can use: the module's own public functions and classes, with the signature of
    each public method and the names of its attributes (Cython getsets and Python properties alike)."""
    api: dict[str, object] = {}
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if isinstance(obj, type):
            members: dict[str, object] = {}
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                members[attr] = _parameters(value) if callable(value) else "attribute"
            api[name] = members
        elif callable(obj):
            api[name] = _parameters(obj)
    return api
