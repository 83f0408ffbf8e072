"""Renders a kernel's `<name>_layout.py` as `<name>_layout.pxi`: the same numbers as C constants.

The layout's numbers are written once, in Python, for the twin and the scheduler. The Cython
kernel needs them as compile-time constants (a typed global costs its `nogil` loops ~15%), so
`setup.py build_ext` regenerates the .pxi from the .py, and tests/fast checks the committed
.pxi is current. Kept free of imports from kube so setup.py can run it by path.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HEADER = """\
# Generated from {source} by kube/_fast/layout_pxi.py (`setup.py build_ext` runs it).
# Do not edit: change {source}, where the numbers live.
"""


def constants(layout: Path) -> dict[str, int]:
    """The UPPER_CASE integers a layout module defines, in their order."""
    names = runpy.run_path(str(layout))
    return {k: v for k, v in names.items() if k.isupper() and isinstance(v, int) and not isinstance(v, bool)}


def render(layout: Path) -> str:
    values = constants(layout)
    prefix = "KUBE_" + layout.stem.upper() + "_"
    defines, decls = [], []
    for name, value in values.items():
        if -(1 << 63) <= value < (1 << 63):
            ctype, literal = "int64_t", f"{value}LL"
        elif 0 <= value < (1 << 64):
            ctype, literal = "uint64_t", f"{value}ULL"
        else:
            raise ValueError(f"{layout.name}: {name} = {value} does not fit in 64 bits")
        defines.append(f"    #define {prefix}{name} ({literal})")
        decls.append(f'    const {ctype} {name} "{prefix}{name}"')
    return "\n".join([
        HEADER.format(source=layout.name).rstrip("\n"),
        "",
        "from libc.stdint cimport int64_t, uint64_t",
        "",
        "cdef extern from *:",
        '    """',
        *defines,
        '    """',
        *decls,
        "",
    ])


def write_all(directory: Path) -> list[Path]:
    """Regenerate every `*_layout.pxi` under `directory` whose text changed; returns those written."""
    written = []
    for layout in sorted(directory.glob("*_layout.py")):
        target = layout.with_suffix(".pxi")
        text = render(layout)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)):
        print(f"wrote {path}")
