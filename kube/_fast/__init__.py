"""Cython kernels with pure-Python twins of the same API.

`ENGINE` names the engine in use: "cython" when the compiled extensions
import, else "python". `load(name, engine)` returns the module of one kernel
for the asked engine so benchmarks and the shared tests can run both.
`score_layout.py` holds the column and buffer layout the score engines and
the scheduler share (compiled into the kernel as score_layout.pxi).
"""

from __future__ import annotations

import importlib
from types import ModuleType

KERNELS = ("score", "selector_index", "held_json")


def load(kernel: str, engine: str = "auto") -> ModuleType:
    if engine in ("auto", "cython"):
        try:
            return importlib.import_module(f"kube._fast.{kernel}")
        except ImportError:
            if engine == "cython":
                raise
    return importlib.import_module(f"kube._fast.{kernel}_py")


def _detect() -> str:
    for kernel in KERNELS:
        try:
            importlib.import_module(f"kube._fast.{kernel}")
        except ImportError:
            return "python"
    return "cython"


ENGINE = _detect()
