"""Every `_fast` kernel's two engines expose the same functions, classes and signatures; the
kernels' C constants are generated from their one layout module each."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType

import pytest

from kube._fast import KERNELS, layout_pxi
from tests.fast import engines
from tests.fast.engines import kernel_module, public_api

EMPTY = inspect.Parameter.empty
FAST = Path(engines.__file__).resolve().parents[2] / "kube" / "_fast"


@pytest.mark.parametrize("kernel", KERNELS)
def test_both_engines_expose_the_same_api(kernel: str) -> None:
    cython, python = kernel_module(kernel, "cython"), kernel_module(kernel, "python")
    assert cython.__name__ == f"kube._fast.{kernel}" and python.__name__ == f"kube._fast.{kernel}_py"
    api = public_api(python)
    assert api, f"{python.__name__} defines nothing public"
    assert public_api(cython) == api


def test_the_comparison_sees_a_different_signature_or_a_missing_method() -> None:
    def module(source: str) -> ModuleType:
        mod = ModuleType("fake_engine")
        exec(source, mod.__dict__)
        return mod

    base = public_api(module("class K:\n    def run(self, n, seed=0): ...\n    @property\n    def size(self): ..."))
    assert base == {"K": {"run": [("self", "POSITIONAL_OR_KEYWORD", EMPTY),
                                  ("n", "POSITIONAL_OR_KEYWORD", EMPTY),
                                  ("seed", "POSITIONAL_OR_KEYWORD", 0)], "size": "attribute"}}
    assert public_api(module("class K:\n    def run(self, n, seed=1): ...\n    size = property()")) != base
    assert public_api(module("class K:\n    def run(self, n): ...\n    size = property()")) != base
    assert public_api(module("class K:\n    def run(self, n, seed=0): ...")) != base
    assert public_api(module("import os\nclass _Hidden: ...\ndef helper(x): ...")) == {"helper": [
        ("x", "POSITIONAL_OR_KEYWORD", EMPTY)]}


def test_a_missing_extension_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_built(kernel: str, engine: str = "auto") -> ModuleType:
        raise ImportError(f"kube._fast.{kernel}")

    monkeypatch.setattr(engines, "load", not_built)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make build"):
        kernel_module("score", "cython")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        kernel_module("score", "cython")


@pytest.mark.parametrize("name", ["score_layout.py", "held_json_layout.py"])
def test_the_kernel_constants_are_generated_from_the_layout(name: str) -> None:
    layout = FAST / name
    assert layout.with_suffix(".pxi").read_text() == layout_pxi.render(layout), \
        f"{layout.stem}.pxi is stale: run `.venv/bin/python setup.py -q build_ext --inplace`"


def test_generated_constants_keep_every_value(tmp_path: Path) -> None:
    layout = tmp_path / "demo_layout.py"
    layout.write_text("A, B = 0, 7\nBIG = (1 << 64) - 1\nNEG = -(1 << 40)\nlower = 3\nFLAG = True\n")
    text = layout_pxi.render(layout)
    assert "#define KUBE_DEMO_LAYOUT_B (7LL)" in text and 'const int64_t B "KUBE_DEMO_LAYOUT_B"' in text
    assert "(18446744073709551615ULL)" in text and 'const uint64_t BIG "KUBE_DEMO_LAYOUT_BIG"' in text
    assert "(-1099511627776LL)" in text
    assert "lower" not in text and "FLAG" not in text
    assert layout_pxi.write_all(tmp_path) == [tmp_path / "demo_layout.pxi"]
    assert layout_pxi.write_all(tmp_path) == []  # unchanged: not rewritten, so Cython does not rebuild
    layout.write_text("HUGE = 1 << 64\n")
    with pytest.raises(ValueError, match="does not fit in 64 bits"):
        layout_pxi.render(layout)
